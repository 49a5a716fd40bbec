import { signIdentity, verifyIdentityProof } from '@app/common';

const secret = 'a'.repeat(32);
const input = { method: 'GET', path: '/records/1', userId: 'u1', userName: 'ann', requestId: 'r1', clientIp: '127.0.0.1' };

describe('identity proof', () => {
  it('when the gateway signed the request, then the service accepts it', () => {
    const headers = signIdentity(secret, input);
    const result = verifyIdentityProof(secret, 'GET', '/records/1', headers);
    expect(result).toEqual({ ok: true, identity: { userId: 'u1', userName: 'ann', requestId: 'r1', clientIp: '127.0.0.1' } });
  });

  it('when a client changes the user id, then the proof fails', () => {
    const headers = { ...signIdentity(secret, input), 'x-user-id': 'u2' };
    expect(verifyIdentityProof(secret, 'GET', '/records/1', headers)).toEqual({ ok: false, reason: 'invalid identity proof' });
  });

  it('when the proof is replayed on another path, then it fails', () => {
    const headers = signIdentity(secret, input);
    expect(verifyIdentityProof(secret, 'DELETE', '/records/1', headers).ok).toBe(false);
    expect(verifyIdentityProof(secret, 'GET', '/records/2', headers).ok).toBe(false);
  });

  it('when the proof is older than the window, then it is stale', () => {
    const headers = signIdentity(secret, input, Date.now() - 60_000);
    expect(verifyIdentityProof(secret, 'GET', '/records/1', headers)).toEqual({ ok: false, reason: 'stale identity proof' });
  });

  it('when the headers are missing or signed with another secret, then it fails', () => {
    expect(verifyIdentityProof(secret, 'GET', '/records/1', { 'x-user-id': 'u1' }).ok).toBe(false);
    const forged = signIdentity('b'.repeat(32), input);
    expect(verifyIdentityProof(secret, 'GET', '/records/1', forged).ok).toBe(false);
  });
});
