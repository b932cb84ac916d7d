/** What a buyer reads when a call fails: the server's own words where they help, plain ones otherwise. */
import { ApiFailure } from '../api/errors';
import { formatDate } from '../ui/parts';

/** The server names dates as ISO timestamps; the buyer reads them in their own locale and zone. */
const isoTimestamp = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})\b/g;
const inWords = (message: string) => message.replace(isoTimestamp, (iso) => formatDate(iso));

export interface Problem {
  text: string;
  requestId: string | null;
}

export function problemOf(error: unknown): Problem {
  if (error instanceof ApiFailure) {
    const requestId = error.status >= 500 ? error.requestId : null;
    if (error.status >= 500) return { text: 'The server could not finish this request. Try again in a moment.', requestId };
    // A refusal the buyer can act on carries its own sentence (the release limit names its date).
    return { text: inWords(error.message), requestId: null };
  }
  if (error instanceof TypeError) return { text: 'The network request failed: check your connection and try again.', requestId: null };
  return { text: error instanceof Error ? error.message : String(error), requestId: null };
}

/** An inline alert for a failed call, with the request id to quote to support when the server failed. */
export function ProblemAlert({ problem }: { problem: Problem | null }) {
  if (!problem) return null;
  return (
    <div class="error-card" role="alert">
      <p>{problem.text}</p>
      {problem.requestId && <p class="request-id">Request id: <code>{problem.requestId}</code></p>}
    </div>
  );
}
