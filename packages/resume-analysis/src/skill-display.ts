/**
 * How a skill name reads inside a sentence: "during patient assessment", not "during Patient
 * assessment", while names (Epic, Power BI, REST APIs, A/B testing) keep their capitals.
 */

const COMMON_NOUN_ENDINGS = /(?:ing|tion|sion|ment|ness|ship|ity|ics|ance|ence|ure|ogy|acy|ism|work|care|als)$/;
const COMMON_SINGLE_WORDS = new Set([
  'empathy',
  'triage',
  'telemetry',
  'payroll',
  'audit',
  'literacy',
  'numeracy',
  'phonics',
  'logistics',
  'freight',
  'procurement',
  'safeguarding',
  'leadership',
  'collaboration',
  'creativity',
  'adaptability',
  'negotiation',
  'accruals',
  'dialysis',
  'oncology',
  'pediatrics',
  'geriatrics',
  'pharmacology',
  'phlebotomy',
  'encryption',
  'firewalls',
  'observability',
  'treasury',
  'statistics',
  'dashboards',
  'accessibility',
  'typography',
  'microservices',
  'serverless',
  'distribution',
  'inclusion',
  'obstetrics',
  'bookkeeping',
  'budgeting',
  'forecasting',
  'copywriting',
]);

export function skillInSentence(name: string): string {
  const words = name.split(' ');
  const first = words[0] ?? '';
  const isAcronym = /[A-Z].*[A-Z]|[/&.#+\d]/.test(first);
  if (isAcronym || !/^[A-Z][a-z]/.test(first)) return name;
  if (words.length > 1) {
    const sentenceCase = words.slice(1).every((word) => !/[A-Z]/.test(word));
    return sentenceCase ? lowerFirst(name) : name;
  }
  const lower = first.toLowerCase();
  return COMMON_SINGLE_WORDS.has(lower) || COMMON_NOUN_ENDINGS.test(lower) ? lower : name;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
