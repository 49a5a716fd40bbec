/**
 * The Redis keys of token revocations: the auth service writes them, the gateway refuses the tokens
 * they name. Both keys of a user carry the user id as their hash tag, so that the gateway's admission
 * script, which reads them with the user's rate-limit key, touches one slot of a Redis Cluster.
 */
export const revokedJtiKey = (userId: string, jti: string) => `auth:revoked:{${userId}}:jti:${jti}`;
export const revokedUserKey = (userId: string) => `auth:revoked:{${userId}}:user`;
