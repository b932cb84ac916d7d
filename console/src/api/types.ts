/** Shorthands over the generated declarations: a route's JSON body, its success answer. */
import type { paths } from './v1';

type Method = 'get' | 'post' | 'put' | 'delete';
type JsonOf<T> = T extends { content: { 'application/json': infer J } } ? J : never;
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

export type BodyOf<P extends keyof paths, M extends Method> = Operation<P, M> extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never;
export type AnswerOf<P extends keyof paths, M extends Method> = Operation<P, M> extends { responses: infer R }
  ? JsonOf<R[Extract<keyof R, 200 | 201 | 202>]>
  : never;

export type Role = AnswerOf<'/me', 'get'>['memberships'][number]['role'];
export type Variables = AnswerOf<'/apps/{appId}/variables', 'get'>['variables'];
