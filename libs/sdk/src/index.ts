export {
  createCascadeClient,
  randomIdempotencyKey,
  type CascadeClient,
  type CascadeClientOptions,
  type DeleteItemsInput,
  type DeleteItemsResult,
  type EventInput,
  type LogEventsResult,
  type RecommendInput,
  type RecommendResponse,
  type SystemCounts,
  type SystemInfo,
  type UpsertItemsInput,
  type UpsertItemsResult,
  type UpsertUsersInput,
  type UpsertUsersResult,
} from './cascade-client.js';
export { createRetryingFetch, isRetryableStatus, parseRetryAfter, type FetchFunction, type RetryingFetchOptions } from './retrying-fetch.js';
export { TRPCClientError, isTRPCClientError } from '@trpc/client';
