import { AppError, mapMongoError } from '@app/common';
import mongoose from 'mongoose';

/**
 * Runs a database operation and maps what the driver says at the data-access edge: "the database
 * is away" becomes our 503, and a value mongoose cannot cast to its field's type (an operator object
 * that got past validation, which sanitizeFilter turned into a plain comparison) a 400.
 */
export async function mongoCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (err instanceof mongoose.Error.CastError) {
      throw AppError.validation(`Invalid value for ${err.path}`, [{ field: err.path, message: `must be a ${err.kind.toLowerCase()}` }]);
    }
    // A socket the server closed under a command (it was stopped) surfaces as a bare Node error.
    const code = (err as { code?: unknown } | null | undefined)?.code;
    if (code === 'EPIPE' || code === 'ECONNRESET') throw AppError.unavailable('mongodb');
    if (err instanceof mongoose.Error.ValidationError) {
      // Validation at the edge states the same bounds; reaching this means they drifted, and the caller still gets a 400.
      const problems = Object.values(err.errors).map((e) => ({ field: e.path, message: e.message }));
      throw AppError.validation(`Invalid ${problems.map((p) => p.field).join(', ')}`, problems);
    }
    throw mapMongoError(err);
  }
}
