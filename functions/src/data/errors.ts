/** gRPC status codes firebase-admin reports on failed writes. */
const grpcAlreadyExists = 6;
const grpcNotFound = 5;

function grpcCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

export const isAlreadyExists = (error: unknown) => grpcCode(error) === grpcAlreadyExists || grpcCode(error) === 'already-exists';
export const isNotFound = (error: unknown) => grpcCode(error) === grpcNotFound || grpcCode(error) === 'not-found';
