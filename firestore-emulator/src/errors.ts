import { status, type StatusObject, Metadata } from '@grpc/grpc-js';

/** An error that maps onto a gRPC status code (what the client SDK sees as `err.code`). */
export class FirestoreError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'FirestoreError';
  }
}

export const invalidArgument = (message: string): FirestoreError =>
  new FirestoreError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string): FirestoreError => new FirestoreError(status.NOT_FOUND, message);
export const alreadyExists = (message: string): FirestoreError =>
  new FirestoreError(status.ALREADY_EXISTS, message);
export const failedPrecondition = (message: string): FirestoreError =>
  new FirestoreError(status.FAILED_PRECONDITION, message);
export const aborted = (message: string): FirestoreError => new FirestoreError(status.ABORTED, message);
export const unimplemented = (message: string): FirestoreError =>
  new FirestoreError(status.UNIMPLEMENTED, message);
export const unavailable = (message: string): FirestoreError => new FirestoreError(status.UNAVAILABLE, message);

/** Converts anything thrown by the emulator into a gRPC status for the wire. */
export function toServiceError(err: unknown): Partial<StatusObject> {
  if (err instanceof FirestoreError) {
    return { code: err.code, details: err.message, metadata: new Metadata() };
  }
  const message = err instanceof Error ? err.message : String(err);
  // Unexpected failure: surface it (tests should notice) instead of hanging the client.
  console.error('[firestore-emulator] internal error:', err);
  return { code: status.INTERNAL, details: `Internal emulator error: ${message}`, metadata: new Metadata() };
}

/** Converts an error into a google.rpc.Status (BatchWrite reports errors per write). */
export function toStatusProto(err: unknown): { code: number; message: string } {
  if (err instanceof FirestoreError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: status.INTERNAL, message };
}
