import { AppError } from '@app/common';
import { z } from 'zod';
import { SORTS, type ListPosition } from './record';

const cursorShape = z.strictObject({
  s: z.enum(SORTS),
  t: z.number().int().nonnegative(),
  i: z.number().int().positive(),
});

/** An opaque continuation token: the sort and the (sort value, id) of the last item of a page. */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify({ s: position.sort, t: position.at.getTime(), i: position.id })).toString('base64url');
}

export function decodeCursor(cursor: string): ListPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = cursorShape.safeParse(parsed);
  if (!result.success) {
    throw AppError.validation('cursor: not a cursor this service issued', [{ field: 'cursor', message: 'invalid cursor' }]);
  }
  return { sort: result.data.s, at: new Date(result.data.t), id: result.data.i };
}
