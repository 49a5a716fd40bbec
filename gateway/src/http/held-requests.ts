import { AppError } from '@app/common';
import type { NextFunction, Request, Response } from 'express';
import { contextOf } from '../request-context';
import type { Route } from '../routes/route-table';

// A held request lasts until its job finishes or its wait runs out; a few seconds frees some.
const RETRY_AFTER_SECONDS = 5;

/**
 * Bounds the requests each route's upstream holds open (event streams, `Prefer: wait`) per gateway
 * instance. Without it, a few hundred of them from many users take every socket of the upstream's
 * agent and every other request to that service queues behind them.
 */
export function heldRequestLimit() {
  const held = new Map<Route, number>();
  return (req: Request, res: Response, next: NextFunction) => {
    const { route, target } = contextOf(req);
    if (!route?.held || !isHeld(req, target.path, route.held.paths)) return next();
    const count = held.get(route) ?? 0;
    if (count >= route.held.max) {
      return next(
        AppError.atCapacity(
          RETRY_AFTER_SECONDS,
          `The gateway is holding as many waiting requests and event streams for the ${route.service} service as it may; try again shortly`,
          { limit: 'held_requests' },
        ),
      );
    }
    held.set(route, count + 1);
    res.once('close', () => held.set(route, (held.get(route) ?? 1) - 1));
    next();
  };
}

function isHeld(req: Request, targetPath: string, paths: readonly RegExp[]): boolean {
  if (paths.some((path) => path.test(targetPath))) return true;
  const prefer = req.headers.prefer;
  if (prefer && /(?:^|[,;])\s*wait\s*=\s*"?0*[1-9]/i.test(Array.isArray(prefer) ? prefer.join(',') : prefer)) return true;
  return (req.headers.accept ?? '').includes('text/event-stream');
}
