/** gRPC status codes firebase-admin reports on failed reads and writes. */
const grpcAlreadyExists = 6;
const grpcNotFound = 5;
const grpcDeadlineExceeded = 4;
const grpcResourceExhausted = 8;
const grpcAborted = 10;
const grpcUnavailable = 14;

/** Contention (ABORTED after the SDK's own retries), quota, overload or outage: worth retrying later. */
const transientCodes = new Set<unknown>([
  grpcDeadlineExceeded, grpcResourceExhausted, grpcAborted, grpcUnavailable,
  'deadline-exceeded', 'resource-exhausted', 'aborted', 'unavailable',
]);

function grpcCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

export const isAlreadyExists = (error: unknown) => grpcCode(error) === grpcAlreadyExists || grpcCode(error) === 'already-exists';
export const isNotFound = (error: unknown) => grpcCode(error) === grpcNotFound || grpcCode(error) === 'not-found';
export const isTransientFirestoreError = (error: unknown) => transientCodes.has(grpcCode(error));
