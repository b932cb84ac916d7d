/**
 * Plain-object shapes of the google.firestore.v1 messages as produced by
 * @grpc/proto-loader with the options used in server.ts
 * (camelCase keys, longs as strings, enums as strings, bytes as Buffer,
 * no defaults, virtual oneof discriminators).
 *
 * Everything is optional because requests come from the network; the
 * emulator validates what it needs. Responses use the same shapes.
 */

export interface TimestampProto {
  seconds?: string | number;
  nanos?: number;
}

export interface LatLngProto {
  latitude?: number;
  longitude?: number;
}

export interface ArrayValueProto {
  values?: ValueProto[];
}

export interface MapValueProto {
  fields?: Record<string, ValueProto>;
}

export interface ValueProto {
  valueType?: string;
  nullValue?: string | number | null;
  booleanValue?: boolean;
  integerValue?: string | number;
  doubleValue?: number;
  timestampValue?: TimestampProto;
  stringValue?: string;
  bytesValue?: Uint8Array | string;
  referenceValue?: string;
  geoPointValue?: LatLngProto;
  arrayValue?: ArrayValueProto;
  mapValue?: MapValueProto;
}

export interface DocumentProto {
  name?: string;
  fields?: Record<string, ValueProto>;
  createTime?: TimestampProto;
  updateTime?: TimestampProto;
}

export interface DocumentMaskProto {
  fieldPaths?: string[];
}

export interface PreconditionProto {
  conditionType?: string;
  exists?: boolean;
  updateTime?: TimestampProto;
}

export interface TransactionOptionsProto {
  mode?: string;
  readOnly?: { readTime?: TimestampProto };
  readWrite?: { retryTransaction?: Uint8Array };
}

export interface FieldTransformProto {
  fieldPath?: string;
  transformType?: string;
  setToServerValue?: string | number;
  increment?: ValueProto;
  maximum?: ValueProto;
  minimum?: ValueProto;
  appendMissingElements?: ArrayValueProto;
  removeAllFromArray?: ArrayValueProto;
}

export interface WriteProto {
  operation?: string;
  update?: DocumentProto;
  delete?: string;
  transform?: { document?: string; fieldTransforms?: FieldTransformProto[] };
  updateMask?: DocumentMaskProto;
  updateTransforms?: FieldTransformProto[];
  currentDocument?: PreconditionProto;
}

export interface WriteResultProto {
  updateTime?: TimestampProto;
  transformResults?: ValueProto[];
}

export interface StatusProto {
  code?: number;
  message?: string;
}

export interface FieldReferenceProto {
  fieldPath?: string;
}

export interface FilterProto {
  filterType?: string;
  compositeFilter?: { op?: string; filters?: FilterProto[] };
  fieldFilter?: { field?: FieldReferenceProto; op?: string; value?: ValueProto };
  unaryFilter?: { op?: string; field?: FieldReferenceProto };
}

export interface OrderProto {
  field?: FieldReferenceProto;
  direction?: string;
}

export interface CursorProto {
  values?: ValueProto[];
  before?: boolean;
}

export interface StructuredQueryProto {
  select?: { fields?: FieldReferenceProto[] };
  from?: { collectionId?: string; allDescendants?: boolean }[];
  where?: FilterProto;
  orderBy?: OrderProto[];
  startAt?: CursorProto;
  endAt?: CursorProto;
  offset?: number;
  limit?: { value?: number };
  findNearest?: unknown;
}

export interface AggregationProto {
  operator?: string;
  count?: { upTo?: { value?: string | number } };
  sum?: { field?: FieldReferenceProto };
  avg?: { field?: FieldReferenceProto };
  alias?: string;
}

/** The read-consistency oneof shared by all read requests. */
export interface ConsistencyProto {
  consistencySelector?: string;
  transaction?: Uint8Array;
  newTransaction?: TransactionOptionsProto;
  readTime?: TimestampProto;
}

export interface GetDocumentRequest extends ConsistencyProto {
  name?: string;
  mask?: DocumentMaskProto;
}

export interface BatchGetDocumentsRequest extends ConsistencyProto {
  database?: string;
  documents?: string[];
  mask?: DocumentMaskProto;
}

export interface BatchGetDocumentsResponse {
  found?: DocumentProto;
  missing?: string;
  transaction?: Uint8Array;
  readTime?: TimestampProto;
}

export interface RunQueryRequest extends ConsistencyProto {
  parent?: string;
  structuredQuery?: StructuredQueryProto;
  explainOptions?: unknown;
}

export interface RunQueryResponse {
  transaction?: Uint8Array;
  document?: DocumentProto;
  readTime?: TimestampProto;
  skippedResults?: number;
  done?: boolean;
}

export interface RunAggregationQueryRequest extends ConsistencyProto {
  parent?: string;
  structuredAggregationQuery?: {
    structuredQuery?: StructuredQueryProto;
    aggregations?: AggregationProto[];
  };
  explainOptions?: unknown;
}

export interface RunAggregationQueryResponse {
  result?: { aggregateFields?: Record<string, ValueProto> };
  transaction?: Uint8Array;
  readTime?: TimestampProto;
}

export interface BeginTransactionRequest {
  database?: string;
  options?: TransactionOptionsProto;
}

export interface BeginTransactionResponse {
  transaction?: Uint8Array;
}

export interface CommitRequest {
  database?: string;
  writes?: WriteProto[];
  transaction?: Uint8Array;
}

export interface CommitResponse {
  writeResults?: WriteResultProto[];
  commitTime?: TimestampProto;
}

export interface RollbackRequest {
  database?: string;
  transaction?: Uint8Array;
}

export interface BatchWriteRequest {
  database?: string;
  writes?: WriteProto[];
  labels?: Record<string, string>;
}

export interface BatchWriteResponse {
  writeResults?: WriteResultProto[];
  status?: StatusProto[];
}

export interface ListDocumentsRequest extends ConsistencyProto {
  parent?: string;
  collectionId?: string;
  pageSize?: number;
  pageToken?: string;
  orderBy?: string;
  mask?: DocumentMaskProto;
  showMissing?: boolean;
}

export interface ListDocumentsResponse {
  documents?: DocumentProto[];
  nextPageToken?: string;
}

export interface ListCollectionIdsRequest {
  parent?: string;
  pageSize?: number;
  pageToken?: string;
  readTime?: TimestampProto;
}

export interface ListCollectionIdsResponse {
  collectionIds?: string[];
  nextPageToken?: string;
}

export interface CreateDocumentRequest {
  parent?: string;
  collectionId?: string;
  documentId?: string;
  document?: DocumentProto;
  mask?: DocumentMaskProto;
}

export interface UpdateDocumentRequest {
  document?: DocumentProto;
  updateMask?: DocumentMaskProto;
  mask?: DocumentMaskProto;
  currentDocument?: PreconditionProto;
}

export interface DeleteDocumentRequest {
  name?: string;
  currentDocument?: PreconditionProto;
}

export interface PartitionQueryRequest {
  parent?: string;
  structuredQuery?: StructuredQueryProto;
  partitionCount?: string | number;
  pageToken?: string;
  pageSize?: number;
}

export interface PartitionQueryResponse {
  partitions?: CursorProto[];
  nextPageToken?: string;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- google.protobuf.Empty
export interface EmptyProto {}

export interface TargetProto {
  targetType?: string;
  query?: { parent?: string; structuredQuery?: StructuredQueryProto };
  documents?: { documents?: string[] };
  resumeType?: string;
  resumeToken?: Uint8Array;
  readTime?: TimestampProto;
  targetId?: number;
  once?: boolean;
}

export interface ListenRequest {
  database?: string;
  targetChange?: string;
  addTarget?: TargetProto;
  removeTarget?: number;
  labels?: Record<string, string>;
}

export interface ListenResponse {
  targetChange?: {
    targetChangeType: 'NO_CHANGE' | 'ADD' | 'REMOVE' | 'CURRENT' | 'RESET';
    targetIds?: number[];
    cause?: StatusProto;
    resumeToken?: Uint8Array;
    readTime?: TimestampProto;
  };
  documentChange?: { document: DocumentProto; targetIds?: number[]; removedTargetIds?: number[] };
  documentDelete?: { document: string; removedTargetIds?: number[]; readTime?: TimestampProto };
  documentRemove?: { document: string; removedTargetIds?: number[]; readTime?: TimestampProto };
}
