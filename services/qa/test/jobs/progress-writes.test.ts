import { ProgressWrites, type Progress } from '../../src/jobs/progress-writes';

// Progress is stored at most once per interval, always ending with the latest stage while the job
// runs, and never after the job ended. Fake timers: the interval is a second of simulated time.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

function recorder() {
  const stored: Progress[] = [];
  const errors: unknown[] = [];
  const writes = new ProgressWrites(
    { stage: 'started', progress: 0 },
    1000,
    async (progress) => {
      stored.push(progress);
    },
    (err) => errors.push(err),
  );
  return { stored, errors, writes };
}

test('when stages follow each other within the interval, then nothing is stored at once and the latest is stored when it ends', async () => {
  const { stored, writes } = recorder();
  await writes.update({ stage: 'parse-resume', progress: 10 });
  await writes.update({ stage: 'parse-jd', progress: 35 });
  await writes.update({ stage: 'analyse', progress: 60 });
  expect(stored).toEqual([]);
  await jest.advanceTimersByTimeAsync(1000);
  expect(stored).toEqual([{ stage: 'analyse', progress: 60 }]);
  // Nothing new since: the next interval stores nothing.
  await jest.advanceTimersByTimeAsync(5000);
  expect(stored).toHaveLength(1);
});

test('when a stage comes after a quiet interval, then it is stored at once', async () => {
  const { stored, writes } = recorder();
  await jest.advanceTimersByTimeAsync(1500);
  await writes.update({ stage: 'parse-resume', progress: 10 });
  expect(stored).toEqual([{ stage: 'parse-resume', progress: 10 }]);
  await writes.update({ stage: 'parse-jd', progress: 35 });
  expect(stored).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(1000);
  expect(stored.at(-1)).toEqual({ stage: 'parse-jd', progress: 35 });
});

test('when the job ends within the interval, then its pending progress is never stored', async () => {
  const { stored, writes } = recorder();
  await writes.update({ stage: 'parse-resume', progress: 10 });
  await writes.close();
  await writes.update({ stage: 'store', progress: 90 });
  await jest.advanceTimersByTimeAsync(5000);
  expect(stored).toEqual([]);
});

test('when a deferred write fails, then the failure is reported and later writes go on', async () => {
  const failures: unknown[] = [];
  const stored: Progress[] = [];
  let fail = true;
  const writes = new ProgressWrites(
    { stage: 'started', progress: 0 },
    1000,
    async (progress) => {
      if (fail) throw new Error('database away');
      stored.push(progress);
    },
    (err) => failures.push(err),
  );
  await writes.update({ stage: 'parse-resume', progress: 10 });
  await jest.advanceTimersByTimeAsync(1000);
  expect(failures).toHaveLength(1);
  fail = false;
  await jest.advanceTimersByTimeAsync(1000);
  await writes.update({ stage: 'analyse', progress: 60 });
  expect(stored).toEqual([{ stage: 'analyse', progress: 60 }]);
});
