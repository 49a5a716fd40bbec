import { randomUUID } from 'node:crypto';
import { signIdentity } from '@app/common';

export interface Caller {
  userId?: string;
  userName?: string;
  clientIp?: string;
}

/** The identity headers the gateway would add to this request, signed with `secret`. */
export function identityHeaders(secret: string, method: string, path: string, caller: Caller = {}, now = Date.now()): Record<string, string> {
  return signIdentity(
    secret,
    {
      method,
      path,
      userId: caller.userId ?? '',
      userName: caller.userName ?? '',
      requestId: randomUUID(),
      clientIp: caller.clientIp ?? '127.0.0.1',
    },
    now,
  );
}
