"""Two widely used Python OAuth 2.0 client libraries, used as their documentation shows, against the gateway.

Configured only with the issuer URL: every endpoint comes from the RFC 8414 metadata. Prints one JSON
object with what each step saw; the test asserts on it. Exits non-zero only if the script itself broke.
"""

import json
import os
import sys

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from oauthlib.oauth2 import LegacyApplicationClient
from oauthlib.oauth2.rfc6749.errors import OAuth2Error
from requests_oauthlib import OAuth2Session

issuer = os.environ["ISSUER"]
username = os.environ["USERNAME"]
password = os.environ["PASSWORD"]
confidential_id = os.environ["CONFIDENTIAL_ID"]
confidential_secret = os.environ["CONFIDENTIAL_SECRET"]

metadata = requests.get(f"{issuer}/.well-known/oauth-authorization-server", timeout=10).json()
token_endpoint = metadata["token_endpoint"]
result = {"metadata_issuer": metadata["issuer"]}


def requests_oauthlib_flow():
    client_id = "py-requests-oauthlib"
    session = OAuth2Session(client=LegacyApplicationClient(client_id=client_id))
    try:
        session.fetch_token(token_url=token_endpoint, username=username, password="not-the-password", client_id=client_id)
        wrong = "accepted"
    except OAuth2Error as err:
        wrong = err.error
    token = session.fetch_token(token_url=token_endpoint, username=username, password=password, client_id=client_id)
    me = session.get(f"{issuer}/auth/me", timeout=10)
    refreshed = session.refresh_token(token_endpoint, client_id=client_id)
    after = session.get(f"{issuer}/auth/me", timeout=10)
    return {
        "wrong_password_error": wrong,
        "token_type": token["token_type"],
        "scope": token.get("scope"),
        "me_status": me.status_code,
        "me_username": me.json().get("username"),
        "refresh_rotated": refreshed["refresh_token"] != token["refresh_token"],
        "access_rotated": refreshed["access_token"] != token["access_token"],
        "after_refresh_status": after.status_code,
    }


def authlib_flow(client_id, client_secret, auth_method):
    session = AuthlibSession(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint_auth_method=auth_method,
        scope="api",
    )
    token = session.fetch_token(token_endpoint, grant_type="password", username=username, password=password)
    me = session.get(f"{issuer}/auth/me", timeout=10)
    refreshed = session.refresh_token(token_endpoint)
    revoked = session.revoke_token(
        metadata["revocation_endpoint"], token=refreshed["refresh_token"], token_type_hint="refresh_token"
    )
    # Revoking the refresh token ends the session: its access token is refused at once too.
    after_revoke = requests.get(
        f"{issuer}/auth/me", headers={"Authorization": f"Bearer {refreshed['access_token']}"}, timeout=10
    )
    try:
        session.refresh_token(token_endpoint, refresh_token=refreshed["refresh_token"])
        refresh_after_revoke = "accepted"
    except OAuthError as err:
        refresh_after_revoke = err.error
    return {
        "scope": token.get("scope"),
        "me_status": me.status_code,
        "refresh_rotated": refreshed["refresh_token"] != token["refresh_token"],
        "revoke_status": revoked.status_code,
        "after_revoke_status": after_revoke.status_code,
        "after_revoke_challenge": after_revoke.headers.get("WWW-Authenticate"),
        "refresh_after_revoke": refresh_after_revoke,
    }


result["requests_oauthlib"] = requests_oauthlib_flow()
result["authlib_public"] = authlib_flow("py-authlib", None, "none")
result["authlib_confidential"] = authlib_flow(confidential_id, confidential_secret, "client_secret_basic")
json.dump(result, sys.stdout)
