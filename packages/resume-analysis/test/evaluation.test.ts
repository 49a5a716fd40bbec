import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keywordOverlap, spearman } from '../scripts/evaluation';
import { LABELLED, loadAllPairs, pairIds } from './labelled-fixtures';
import { isLocation, trailingLocation } from '../src/locations';
import { questionDefects } from '../src/question-defects';

describe('the figures of npm run eval:qa', () => {
  test('when two rankings agree, disagree or tie, then Spearman is 1, -1, or uses average ranks', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1);
    expect(spearman([1, 2, 3, 4], [40, 30, 20, 10])).toBeCloseTo(-1);
    // Ranks x: 1, 2.5, 2.5, 4; y: 1, 2, 3, 4.
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9487, 3);
  });

  test('when a resume holds half the posting’s content words, then the keyword baseline is 50', () => {
    expect(keywordOverlap('We use Kafka daily', 'Kafka and Postgres experience')).toBeCloseTo(50);
  });

  test('when another set directory is named (eval:qa --set), then its pairs are read from it and not from the committed set', async () => {
    const set = mkdtempSync(join(tmpdir(), 'outside-set-'));
    try {
      cpSync(join(LABELLED, '01-software-engineer'), join(set, 'a-pair-written-elsewhere'), { recursive: true });
      expect(pairIds(set)).toEqual(['a-pair-written-elsewhere']);
      const pairs = await loadAllPairs(set);
      expect(pairs.map((pair) => pair.id)).toEqual(['a-pair-written-elsewhere']);
      expect(pairs[0]!.jdLines.length).toBeGreaterThan(5);
      expect(pairIds()).toContain('01-software-engineer');
    } finally {
      rmSync(set, { recursive: true, force: true });
    }
  });
});

describe('question defects found by rule', () => {
  test.each([
    ['What drew you to a this role role?', 'grammar'],
    ['What would you do first as a Accountant here?', 'grammar'],
    ['Looking back at your a year at Felixstowe, what would you change?', 'grammar'],
    ["If the code behind 'Python • Machine Learning • TensorFlow' had to serve ten times the traffic, what breaks?", 'quotes-list'],
    ['You list "Technical Skills". Which of them do you use most?', 'quotes-header'],
    ['For "Data modeling", how did you check the data was complete?', 'bare-word'],
    ['As Birmingham at Warwickshire, you wrote about a pump. What happened?', 'location-as-role'],
    ['Who else was involved from your time at Rotterdam?', 'location-as-role'],
  ])('when a question reads "%s", then it is flagged as %s', (question, defect) => {
    expect(questionDefects(question).map((finding) => finding.defect)).toContain(defect);
  });

  test.each([
    'Tell me about "Tidy Tabs". What was the goal, and what would you change now?',
    'As Management Accountant at Midland Castings Ltd, what did you change first?',
    'How did an hour-long outage change a European rollout, and what did you tell a user?',
    'Walk me through an SQL query you tuned, and a UX review you ran.',
  ])('when a question reads "%s", then nothing is flagged', (question) => {
    expect(questionDefects(question)).toEqual([]);
  });
});

describe('locations', () => {
  test.each([
    'Walsall',
    'Phoenix, AZ',
    'Leeds or remote',
    'London (hybrid)',
    'Berlin, Germany, or remote within the EU',
    'Madison, WI 53711',
    'Remote (UK)',
  ])('when a text is "%s", then it is a location', (text) => expect(isLocation(text)).toBe(true));

  test.each(['Senior Accountant', 'Midland Castings Ltd', 'Systems Engineer', 'IBM', 'Python, SQL'])(
    'when a text is "%s", then it is no location',
    (text) => expect(isLocation(text)).toBe(false),
  );

  test('when an employer line ends with its town, then the town is split off', () => {
    expect(trailingLocation('Midland Castings Ltd, Walsall')).toEqual({ before: 'Midland Castings Ltd', location: 'Walsall' });
    expect(trailingLocation('Harbour Gate Shipping Ltd, Felixstowe, Suffolk')).toEqual({
      before: 'Harbour Gate Shipping Ltd',
      location: 'Felixstowe, Suffolk',
    });
    expect(trailingLocation('Whitcombe & Reyes LLP')).toBeNull();
  });
});
