import { AppError } from '@app/common';
import type { ListPosition, RecordSort } from './record';

/**
 * A cursor is the position after the last item of a page: its sort time in milliseconds and its id.
 * It holds no sort of its own (the `next` link carries `sort`), so every string of this shape is a
 * valid cursor and the published pattern states the whole rule. Bounded so both stay safe integers.
 */
export const CURSOR_PATTERN = '^[0-9]{1,15}\\.[1-9][0-9]{0,14}$';
const cursorShape = new RegExp(CURSOR_PATTERN);

export function encodeCursor(position: ListPosition): string {
  return `${position.at.getTime()}.${position.id}`;
}

/** The position a cursor names, in the request's sort. */
export function decodeCursor(cursor: string, sort: RecordSort): ListPosition {
  if (!cursorShape.test(cursor)) {
    throw AppError.validation('cursor: not a cursor this service issued', [{ field: 'cursor', message: 'invalid cursor' }]);
  }
  const [at, id] = cursor.split('.');
  return { sort, at: new Date(Number(at)), id: Number(id) };
}
