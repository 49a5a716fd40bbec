import { readEventStream } from '@app/client';

const streamOf = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

async function all(body: ReadableStream<Uint8Array>) {
  const events = [];
  for await (const event of readEventStream(body)) events.push(event);
  return events;
}

describe('reading a Server-Sent Events stream', () => {
  it('when events arrive split at any byte, with heartbeats and a retry line, then each event comes out whole', async () => {
    const text = 'retry: 3000\n\nevent: progress\r\ndata: {"progress":10}\r\n\r\n: heartbeat\n\nevent: completed\ndata: {"id":"é"}\n\n';
    const bytes = new TextEncoder().encode(text);
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, cut));
          controller.enqueue(bytes.slice(cut));
          controller.close();
        },
      });
      expect(await all(body)).toEqual([
        { event: 'progress', data: '{"progress":10}' },
        { event: 'completed', data: '{"id":"é"}' },
      ]);
    }
  });

  it('when an event has several data lines, CRLF endings or no name, then it follows the SSE rules', async () => {
    expect(await all(streamOf('data: a\r\ndata: b\r\n\r\n', 'data:c\n\n', 'event: x\ndata\n\n'))).toEqual([
      { event: 'message', data: 'a\nb' },
      { event: 'message', data: 'c' },
      { event: 'x', data: '' },
    ]);
  });

  it('when the stream ends in the middle of an event, then that event is not delivered', async () => {
    expect(await all(streamOf('event: completed\ndata: {"id":1}'))).toEqual([]);
  });
});
