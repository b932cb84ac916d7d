import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { toServiceError, unimplemented } from './errors.js';
import type { ListenRequest, ListenResponse } from './proto-types.js';
import type { Emit, FirestoreService } from './service.js';

/**
 * gRPC plumbing: loads google.firestore.v1.Firestore from the protos shipped
 * with @google-cloud/firestore and routes calls to FirestoreService.
 */

/** The build/protos directory of the installed @google-cloud/firestore package. */
export function protosDirectory(): string {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('@google-cloud/firestore/package.json');
  } catch {
    // Not hoisted: resolve it the way firebase-admin does.
    const adminRequire = createRequire(require.resolve('firebase-admin/package.json'));
    packageJson = adminRequire.resolve('@google-cloud/firestore/package.json');
  }
  return path.join(path.dirname(packageJson), 'build', 'protos');
}

let cachedService: grpc.ServiceDefinition | undefined;

export function loadFirestoreServiceDefinition(): grpc.ServiceDefinition {
  if (cachedService) return cachedService;
  const definition = protoLoader.loadSync('google/firestore/v1/firestore.proto', {
    includeDirs: [protosDirectory()],
    keepCase: false,
    longs: String,
    enums: String,
    bytes: Buffer,
    defaults: false,
    oneofs: true,
  });
  const service = definition['google.firestore.v1.Firestore'];
  if (!service || 'format' in service) throw new Error('google.firestore.v1.Firestore service not found in protos');
  cachedService = service as grpc.ServiceDefinition;
  return cachedService;
}

function cancellation(call: { on(event: 'cancelled', listener: () => void): unknown }): AbortSignal {
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort());
  return controller.signal;
}

function unary<Req, Res>(fn: (request: Req, signal: AbortSignal) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const signal = cancellation(call);
    fn(call.request, signal).then(
      response => callback(null, response),
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}

function serverStream<Req, Res>(
  fn: (request: Req, emit: Emit<Res>, signal: AbortSignal) => Promise<void>,
): grpc.handleServerStreamingCall<Req, Res> {
  return call => {
    const signal = cancellation(call);
    const emit: Emit<Res> = message => {
      if (!call.cancelled) call.write(message);
    };
    fn(call.request, emit, signal).then(
      () => call.end(),
      (err: unknown) => {
        if (call.cancelled) return;
        // Response headers first: the client's gax layer re-sends a stream that
        // fails before any response up to 3 times with delays (several seconds
        // for e.g. a missing index); with headers it surfaces the error at once
        // and firebase-admin applies its own retry policy by status code.
        call.sendMetadata(new grpc.Metadata());
        call.emit('error', toServiceError(err));
      },
    );
  };
}

function notSupported(method: string): grpc.UntypedHandleCall {
  const error = () => toServiceError(unimplemented(`${method} is not supported by the embedded Firestore emulator`));
  return (call: grpc.ServerDuplexStream<unknown, unknown>) => {
    call.emit('error', error());
  };
}

function listen(service: FirestoreService): grpc.handleBidiStreamingCall<ListenRequest, ListenResponse> {
  return call => {
    let ended = false;
    const session = service.openListen(message => {
      if (!ended && !call.cancelled) call.write(message);
    });
    const finish = (err?: unknown): void => {
      if (ended) return;
      ended = true;
      session.close();
      if (call.cancelled) return;
      if (err === undefined) call.end();
      else call.emit('error', toServiceError(err));
    };
    call.on('data', (request: ListenRequest) => {
      try {
        session.handle(request);
      } catch (err) {
        finish(err);
      }
    });
    call.on('end', () => finish());
    call.on('cancelled', () => finish());
    call.on('error', () => session.close());
  };
}

export function createGrpcServer(service: FirestoreService): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  const implementation: grpc.UntypedServiceImplementation = {
    GetDocument: unary(service.getDocument.bind(service)),
    ListDocuments: unary(service.listDocuments.bind(service)),
    CreateDocument: unary(service.createDocument.bind(service)),
    UpdateDocument: unary(service.updateDocument.bind(service)),
    DeleteDocument: unary(service.deleteDocument.bind(service)),
    BatchGetDocuments: serverStream(service.batchGetDocuments.bind(service)),
    BeginTransaction: unary(service.beginTransaction.bind(service)),
    Commit: unary(service.commit.bind(service)),
    Rollback: unary(service.rollback.bind(service)),
    RunQuery: serverStream(service.runQuery.bind(service)),
    RunAggregationQuery: serverStream(service.runAggregationQuery.bind(service)),
    PartitionQuery: unary(service.partitionQuery.bind(service)),
    ListCollectionIds: unary(service.listCollectionIds.bind(service)),
    BatchWrite: unary(service.batchWrite.bind(service)),
    Write: notSupported('Write (streaming writes)'),
    Listen: listen(service),
  };
  server.addService(loadFirestoreServiceDefinition(), implementation);
  return server;
}

export function bindServer(server: grpc.Server, host: string, port: number): Promise<number> {
  const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, boundPort) => {
      if (err) reject(err);
      else resolve(boundPort);
    });
  });
}

/** Graceful shutdown, forced after `graceMs` (e.g. a client keeps a stream open). */
export function shutdownServer(server: grpc.Server, graceMs = 2000): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    timer.unref();
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
