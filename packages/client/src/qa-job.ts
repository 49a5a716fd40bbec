import { apiErrorOf, unwrap, type ApiClient, type QaJob } from './client';
import { readEventStream } from './event-stream';

/** The `progress` event's data on a job's stream (the document types the stream as text only). */
export interface QaJobProgress {
  id: string;
  status: QaJob['status'];
  progress: number;
  stage: string;
  attempts?: number;
}

const isFinished = (status: string) => status === 'completed' || status === 'failed';

/**
 * Follows a job on its Server-Sent Events stream, calling `onProgress` as it moves, until it
 * completes or fails; a stream that drops before the end is opened again (a few times).
 */
export async function followQaJob(client: ApiClient, id: string, onProgress: (progress: QaJobProgress) => void): Promise<QaJob> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const { response, error } = await client.GET('/qa/jobs/{id}/events', { params: { path: { id } }, parseAs: 'stream' });
    if (!response.ok || !response.body) throw apiErrorOf(response, error);
    for await (const message of readEventStream(response.body)) {
      if (message.event === 'progress') onProgress(JSON.parse(message.data) as QaJobProgress);
      else if (isFinished(message.event)) return JSON.parse(message.data) as QaJob;
    }
    const job = unwrap(await client.GET('/qa/jobs/{id}', { params: { path: { id } } }));
    if (isFinished(job.status)) return job;
  }
  throw new Error(`The progress stream of job ${id} kept closing before the job finished`);
}
