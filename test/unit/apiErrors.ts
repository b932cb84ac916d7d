import { ApiError } from '../../functions/src/domain/errors.js';

/** The ApiError that `run` throws; anything else thrown, or nothing, fails the test. */
export function apiErrorOf(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError, nothing was thrown');
}

/** The ApiError that `run` rejects with; anything else, or a resolved promise, fails the test. */
export async function apiErrorOfAsync(run: () => Promise<unknown>): Promise<ApiError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError, the promise resolved');
}
