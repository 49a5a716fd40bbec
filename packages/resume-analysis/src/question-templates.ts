import type { Difficulty } from './question-schema';
import type { SkillCategory } from './skill-taxonomy';

/**
 * Question wording, kept apart from the logic that picks it. Each template is used at most once
 * per interview, so no two questions read the same with only the skill swapped; the pools are
 * large enough for the counts the generator asks of them.
 */

export interface QuestionTemplate<V> {
  id: string;
  difficulty: Difficulty;
  /** Variables the template needs beyond the always-present ones. */
  needs?: readonly (keyof V)[];
  render: (v: V) => string;
  lookFor: (v: V) => string;
}

export interface ClaimVars {
  skill: string;
  claim: string;
}

export interface GapVars {
  skill: string;
  jdLine: string;
  jobTitle: string;
  related?: string;
}

export interface RoleVars {
  title: string;
  org: string;
  years: string;
  highlight?: string;
  previousTitle?: string;
  previousOrg?: string;
}

export interface ProjectVars {
  project: string;
  highlight?: string;
}

export interface DutyVars {
  duty: string;
  jobTitle: string;
  skill?: string;
}

export type TemplateFamily = 'code' | 'platform' | 'data' | 'clinical' | 'finance' | 'education' | 'business' | 'people';

export const FAMILY_OF: Readonly<Record<SkillCategory, TemplateFamily>> = {
  language: 'code',
  framework: 'code',
  'testing-quality': 'code',
  database: 'platform',
  'cloud-devops': 'platform',
  security: 'platform',
  method: 'business',
  'data-analytics': 'data',
  healthcare: 'clinical',
  finance: 'finance',
  education: 'education',
  product: 'business',
  tool: 'business',
  design: 'business',
  'sales-marketing': 'business',
  logistics: 'business',
  engineering: 'business',
  legal: 'business',
  'people-ops': 'people',
  'soft-skill': 'people',
};

/** What a good answer covers for a skill of each kind, added to every technical question's lookFor. */
export const CATEGORY_FOCUS: Readonly<Record<SkillCategory | 'other', (skill: string) => string>> = {
  language: (s) => `For ${s}: idiomatic use, error handling, testing and tooling, and when they would not choose it.`,
  framework: (s) => `For ${s}: how it structures the application, its conventions and lifecycle, performance pitfalls, and upgrades.`,
  database: (s) => `For ${s}: schema and index design, reading query plans, transactions and consistency, migrations and backups.`,
  'cloud-devops': (s) => `For ${s}: automation and repeatability, safe rollout and rollback, observability, least privilege and cost.`,
  'data-analytics': (s) => `For ${s}: data quality checks, reproducibility, explaining results to non-specialists, and the decision it changed.`,
  'testing-quality': (s) => `For ${s}: what to test at which level, keeping suites fast and non-flaky, and choosing by risk.`,
  security: (s) => `For ${s}: the threat model, defence in depth, how they verified it, and how incidents were handled.`,
  method: (s) => `For ${s}: how it worked in practice, what they adapted for their team, and evidence that it helped.`,
  product: (s) => `For ${s}: how evidence (data, user research) shaped decisions, the trade-offs made, and outcomes measured.`,
  tool: (s) => `For ${s}: use beyond the basics (configuration, automation, reporting) and how it served the team's process.`,
  design: (s) => `For ${s}: design rationale, evidence from users, accessibility, and working with engineers.`,
  'soft-skill': (s) => `For ${s}: one specific situation, their own actions rather than the team's, and an observable result.`,
  healthcare: (s) => `For ${s}: patient safety, following protocol and escalating, accurate documentation, and working with the care team.`,
  finance: (s) => `For ${s}: accuracy and controls, the standard or policy that applies (GAAP/IFRS), deadlines, and how errors are caught.`,
  'sales-marketing': (s) => `For ${s}: targets and metrics, how they tested what worked, budget, and honestly attributed results.`,
  education: (s) => `For ${s}: learning objectives, adapting to different learners, assessment evidence, and outcomes for pupils.`,
  logistics: (s) => `For ${s}: accuracy, safety, cost and lead-time measures, and handling disruption.`,
  engineering: (s) =>
    `For ${s}: the requirement it served, how the design was verified, trade-offs with cost and manufacture, and what failed first.`,
  legal: (s) => `For ${s}: accuracy under deadlines, the rule or procedure that applied, confidentiality, and how work was checked.`,
  'people-ops': (s) => `For ${s}: fairness and consistency, the law or policy that applied, confidentiality, and a measurable outcome.`,
  other: (s) => `For ${s}: specifics of what they did, the result, and what they learned.`,
};

const t = <V>(template: QuestionTemplate<V>): QuestionTemplate<V> => template;

export const GENERAL_CLAIM_TEMPLATES: readonly QuestionTemplate<ClaimVars>[] = [
  t({
    id: 'claim-walkthrough',
    difficulty: 'medium',
    render: (v) =>
      `Your resume says "${v.claim}". Walk me through your own part in that work: what did you do yourself, and what would you do differently today?`,
    lookFor: () => 'A first-person account with concrete detail (scale, tools, who did what) and honest reflection on what they would change.',
  }),
  t({
    id: 'claim-hardest-problem',
    difficulty: 'hard',
    render: (v) => `In "${v.claim}", what was the hardest problem involving ${v.skill}, and which alternatives did you consider and reject?`,
    lookFor: () => 'A real obstacle rather than a generic one, at least two options weighed on explicit criteria, and why the chosen one won.',
  }),
  t({
    id: 'claim-decision',
    difficulty: 'medium',
    render: (v) =>
      `You mention ${v.skill} ("${v.claim}"). Pick one decision in that work that someone less experienced might have got wrong, and explain it.`,
    lookFor: () => 'Judgement beyond the basics: the tempting wrong choice, the consequence it would have had, and what told them so.',
  }),
  t({
    id: 'claim-explain',
    difficulty: 'easy',
    render: (v) => `How would you explain the essentials of ${v.skill} to a new colleague, using the work behind "${v.claim}" as your example?`,
    lookFor: () => 'Clear, correct fundamentals tied to their own example, without jargon, and a sense of what a newcomer usually gets wrong.',
  }),
  t({
    id: 'claim-verification',
    difficulty: 'medium',
    render: (v) => `Looking back at "${v.claim}", how did you check that the ${v.skill} work was right, and what told you it was finished?`,
    lookFor: () => 'Concrete checks (tests, reviews, reconciliations, sign-off), a definition of done, and what they would add next time.',
  }),
  t({
    id: 'claim-limitation',
    difficulty: 'hard',
    render: (v) => `Which limitation of ${v.skill} did you run into during "${v.claim}", and how did you work around it?`,
    lookFor: () => 'A genuine limitation that shows depth of use, a workaround with its cost, and whether they would choose differently now.',
  }),
];

export const FAMILY_CLAIM_TEMPLATES: Readonly<Record<TemplateFamily, readonly QuestionTemplate<ClaimVars>[]>> = {
  platform: [
    t({
      id: 'platform-scale',
      difficulty: 'hard',
      render: (v) =>
        `Suppose the system behind "${v.claim}" had to handle ten times the load. What in your ${v.skill} approach would break first, and what would you change?`,
      lookFor: () => 'Identifies the real bottleneck, reasons with numbers, and proposes changes in order of cost and risk.',
    }),
    t({
      id: 'platform-failure',
      difficulty: 'medium',
      render: (v) =>
        `Tell me about a time the ${v.skill} setup behind "${v.claim}" failed or misbehaved in production. How did you find out, and what did you change?`,
      lookFor: () => 'Detection (alerts, users, logs), a calm diagnosis, a fix and a follow-up that made the failure less likely or less harmful.',
    }),
    t({
      id: 'platform-repeatable',
      difficulty: 'medium',
      render: (v) =>
        `How did you make the ${v.skill} work in "${v.claim}" repeatable and safe for others to change? What was automated, reviewed or tested?`,
      lookFor: () => 'Automation and configuration in version control, review before change, tests or staged rollouts, and documentation.',
    }),
    t({
      id: 'platform-choice',
      difficulty: 'easy',
      render: (v) => `Why was ${v.skill} the right choice for "${v.claim}", and what would have made you choose something else?`,
      lookFor: () => 'Understanding of what the tool is good and bad at, the alternatives that existed, and the context that decided it.',
    }),
  ],
  code: [
    t({
      id: 'eng-incident',
      difficulty: 'medium',
      render: (v) =>
        `Tell me about a bug or incident involving ${v.skill} from the work in "${v.claim}". How did you find the cause, and what stopped it happening again?`,
      lookFor: () => 'A systematic debugging story (evidence, hypotheses, verification) and a lasting fix such as a test, alert or design change.',
    }),
    t({
      id: 'eng-maintainability',
      difficulty: 'medium',
      render: (v) => `How did you structure and test the ${v.skill} code in "${v.claim}" so that other people could change it safely?`,
      lookFor: () => 'Module boundaries, the tests they wrote and why at that level, code review, and documentation for the next person.',
    }),
    t({
      id: 'code-scale',
      difficulty: 'hard',
      render: (v) =>
        `If the code behind "${v.claim}" had to serve ten times the traffic or data, what in your ${v.skill} implementation would you revisit first?`,
      lookFor: () => 'Awareness of hot paths and complexity, measuring before optimising, and concrete changes with their trade-offs.',
    }),
    t({
      id: 'eng-unfamiliar',
      difficulty: 'easy',
      render: (v) => `When you pick up an unfamiliar ${v.skill} codebase, what do you look at first? What from "${v.claim}" taught you that?`,
      lookFor: () => 'A practical routine (build and run it, read tests, trace a request, check observability) learned from experience.',
    }),
  ],
  data: [
    t({
      id: 'data-correctness',
      difficulty: 'medium',
      render: (v) =>
        `For "${v.claim}", how did you make sure the data behind your ${v.skill} work was complete and correct before anyone relied on it?`,
      lookFor: () => 'Specific checks (row counts, nulls, duplicates, reconciliation to a source of truth) and how issues were raised and fixed.',
    }),
    t({
      id: 'data-disputed-number',
      difficulty: 'hard',
      render: (v) => `A stakeholder disputes a number that came out of the ${v.skill} work in "${v.claim}". How do you investigate and respond?`,
      lookFor: () =>
        'Calm, evidence-led tracing of the number back to source, clear communication of findings, and fixing the process, not only the figure.',
    }),
    t({
      id: 'data-decision',
      difficulty: 'medium',
      render: (v) =>
        `What decision did someone make because of the ${v.skill} work in "${v.claim}", and how did you present it so that it was understood?`,
      lookFor: () => 'A traceable link from analysis to a business decision, tailored presentation, and honesty about uncertainty.',
    }),
  ],
  clinical: [
    t({
      id: 'clinical-steps',
      difficulty: 'medium',
      render: (v) =>
        `You list ${v.skill} ("${v.claim}"). Take me through how you carry it out, step by step, including what you check for patient safety.`,
      lookFor: () => 'Correct sequence, safety checks (identity, allergies, consent, infection control), and when they would stop and escalate.',
    }),
    t({
      id: 'clinical-escalation',
      difficulty: 'hard',
      render: (v) =>
        `Describe a time during ${v.skill} when something did not look right. What did you notice, who did you escalate to, and what happened?`,
      lookFor: () => 'Early recognition of deterioration or error, a structured escalation (e.g. SBAR), and follow-through with documentation.',
    }),
    t({
      id: 'clinical-handover',
      difficulty: 'easy',
      render: (v) => `How do you document ${v.skill}, and what would a colleague need to see in your notes at handover?`,
      lookFor: () => 'Timely, accurate, objective documentation and a handover that lets the next nurse act without guessing.',
    }),
  ],
  finance: [
    t({
      id: 'finance-process',
      difficulty: 'medium',
      render: (v) => `Your resume says "${v.claim}". Walk me through your ${v.skill} process end to end, including the controls that catch errors.`,
      lookFor: () => 'A clear, ordered process, the review and approval controls, supporting documentation, and timing against the close calendar.',
    }),
    t({
      id: 'finance-discrepancy',
      difficulty: 'hard',
      render: (v) => `During ${v.skill} you find a discrepancy you cannot explain two days before the deadline. What do you do?`,
      lookFor: () => 'Materiality judgement, systematic investigation, early and honest escalation, and no forcing of balances.',
    }),
    t({
      id: 'finance-standard',
      difficulty: 'medium',
      render: (v) =>
        `In "${v.claim}", which accounting standard or company policy shaped how you handled ${v.skill}, and how did you show you had followed it?`,
      lookFor: () => 'Accurate knowledge of the rule, its practical effect on entries or reports, and how compliance was evidenced for audit.',
    }),
  ],
  education: [
    t({
      id: 'education-mixed-ability',
      difficulty: 'medium',
      render: (v) =>
        `You mention ${v.skill} ("${v.claim}"). How would you apply it with a mixed-ability class, including pupils who are struggling and those who are ahead?`,
      lookFor: () => 'Concrete differentiation (tasks, scaffolds, questioning, grouping) and how they would check each group is learning.',
    }),
    t({
      id: 'education-did-not-work',
      difficulty: 'hard',
      render: (v) =>
        `Tell me about a time ${v.skill} did not work with a particular class or pupil. What evidence told you, and what did you change?`,
      lookFor: () => 'Reflective practice: evidence from assessment or behaviour, a specific adjustment, and the effect it had.',
    }),
    t({
      id: 'education-observed',
      difficulty: 'easy',
      render: (v) => `What does good ${v.skill} look like in your classroom, and how would an observer see it?`,
      lookFor: () => 'Observable indicators in pupils, routines and outcomes, not only the teacher’s intentions.',
    }),
  ],
  business: [
    t({
      id: 'business-evidence',
      difficulty: 'medium',
      render: (v) => `In "${v.claim}", what did you find out along the way that changed your plan, and what was the result?`,
      lookFor: () => 'Decisions grounded in evidence, a clear before/after, and acknowledgement of what did not work.',
    }),
    t({
      id: 'business-constraints',
      difficulty: 'hard',
      render: (v) => `If you had had half the time for "${v.claim}", what would you have cut, what would you have kept, and why?`,
      lookFor: () => 'Ruthless prioritisation, knowing which activities drove most of the result, and the risks of cutting the rest.',
    }),
    t({
      id: 'business-metric',
      difficulty: 'medium',
      render: (v) => `How did you measure whether "${v.claim}" worked, and what changed as a result?`,
      lookFor: () => 'A meaningful metric (not a vanity one), baseline and result, and how other factors were ruled out.',
    }),
  ],
  people: [
    t({
      id: 'people-moment',
      difficulty: 'medium',
      render: (v) =>
        `Your resume points to ${v.skill} ("${v.claim}"). Tell me about a specific moment it made the difference, and what you did personally.`,
      lookFor: () => 'A specific story with their own actions and an observable outcome, rather than a description of their personality.',
    }),
    t({
      id: 'people-tested',
      difficulty: 'hard',
      render: (v) =>
        `Describe a time your ${v.skill} was tested by someone difficult to work with. What did you do, and what would you do differently?`,
      lookFor: () => 'Empathy for the other person, constructive action, a resolution (or honest lack of one), and self-awareness.',
    }),
    t({
      id: 'people-colleagues',
      difficulty: 'easy',
      render: (v) => `How would the people you worked with on "${v.claim}" describe your ${v.skill}? Give an example they would mention.`,
      lookFor: () => 'Self-awareness backed by a concrete example that others would recognise.',
    }),
  ],
};

export const GAP_TEMPLATES: readonly QuestionTemplate<GapVars>[] = [
  t({
    id: 'gap-first-month',
    difficulty: 'medium',
    render: (v) => `The role needs ${v.skill}, which your resume does not mention. How would you get productive with it in your first month?`,
    lookFor: (v) =>
      `An honest starting point, a concrete learning plan for ${v.skill} (resources, practice on real tasks, asking for review) and milestones.`,
  }),
  t({
    id: 'gap-related',
    difficulty: 'medium',
    needs: ['related'],
    render: (v) =>
      `We rely on ${v.skill}; you have worked with ${v.related ?? ''}. What carries over from ${v.related ?? ''}, and what do you expect to be different?`,
    lookFor: (v) =>
      `Accurate understanding of how ${v.skill} differs from ${v.related ?? 'what they know'}, transferable concepts, and awareness of the traps.`,
  }),
  t({
    id: 'gap-picked-up-quickly',
    difficulty: 'hard',
    render: (v) =>
      `The job description asks for ${v.skill} ("${v.jdLine}"). Tell me about a time you had to pick up something comparable quickly. How long until you were trusted with it?`,
    lookFor: () => 'Evidence of fast, self-directed learning in the past, with a realistic timeline and how they earned trust.',
  }),
  t({
    id: 'gap-what-you-know',
    difficulty: 'easy',
    render: (v) => `What do you already know about ${v.skill}, even if you have not used it at work, and where would it fit in a ${v.jobTitle} role?`,
    lookFor: (v) => `Correct basic understanding of ${v.skill} and of why this role needs it; honesty about the limits of their knowledge.`,
  }),
  t({
    id: 'gap-task-tomorrow',
    difficulty: 'hard',
    render: (v) =>
      `If you were given a task tomorrow that depends on ${v.skill} ("${v.jdLine}"), how would you approach it, and who or what would you lean on?`,
    lookFor: () =>
      'A safe, structured approach: clarify the task, find documentation and experts, start small, get review before anything irreversible.',
  }),
  t({
    id: 'gap-hardest-part',
    difficulty: 'medium',
    render: (v) =>
      `Which part of ${v.skill} do you think would take you longest to learn, and how would you reduce that risk while still delivering?`,
    lookFor: (v) => `Realistic self-assessment of ${v.skill}'s hard parts and a plan that protects delivery (pairing, scope, checkpoints).`,
  }),
];

/**
 * For a candidate with the experience the job asks for in the same line of work: a requirement
 * the resume does not mention is most likely done but unwritten, so ask where, not how they
 * would learn it.
 */
export const GAP_PROBE_TEMPLATES: readonly QuestionTemplate<GapVars>[] = [
  t({
    id: 'probe-where',
    difficulty: 'medium',
    render: (v) =>
      `The job description asks for ${v.skill} ("${v.jdLine}"), which your resume does not mention. Where have you done it, and what did it involve?`,
    lookFor: (v) => `A specific setting and their own part in ${v.skill}, at the level this job needs; or a frank "not yet" and what is closest.`,
  }),
  t({
    id: 'probe-related',
    difficulty: 'medium',
    needs: ['related'],
    render: (v) =>
      `Your resume shows ${v.related ?? ''} but not ${v.skill}, which this job relies on. Have you worked with ${v.skill} as well, and how deeply?`,
    lookFor: (v) => `An honest account of depth with ${v.skill}: where, how recently, and what they did unaided versus with help.`,
  }),
  t({
    id: 'probe-example',
    difficulty: 'hard',
    render: (v) =>
      `Have you worked with ${v.skill}, which this job asks for? If so, tell me about the most recent time: the task, what you did yourself, and how it went.`,
    lookFor: (v) => `A concrete example of ${v.skill} with their own actions and an outcome, rather than a description of the team's work.`,
  }),
];

/** For requirements found as key phrases ("positive relationships"), which are not tools to learn. */
// A phrase read from the posting ("local business hours") is a fragment of its line, not a skill
// to name in a sentence: these templates quote the whole line and never name the fragment alone.
export const PHRASE_GAP_TEMPLATES: readonly QuestionTemplate<GapVars>[] = [
  t({
    id: 'phrase-gap-closest',
    difficulty: 'medium',
    render: (v) =>
      `The job description asks for "${v.jdLine}". Your resume does not show this directly; tell me about the closest thing you have done.`,
    lookFor: (v) => `A relevant, specific example that shows ${v.skill} in practice, or an honest account of the gap and how they would close it.`,
  }),
  t({
    id: 'phrase-gap-new-part',
    difficulty: 'medium',
    render: (v) => `Which part of "${v.jdLine}" have you already done in your work, and which part would be new to you?`,
    lookFor: (v) =>
      `An honest split between what they have done (with an example) and what would be new, including ${v.skill}, and a plan for the new part.`,
  }),
  t({
    id: 'phrase-gap-meaning',
    difficulty: 'easy',
    render: (v) => `The posting says "${v.jdLine}". What do you think that means day to day here, and where have you done something like it?`,
    lookFor: (v) => `An accurate understanding of why the job needs ${v.skill}, backed by their own experience.`,
  }),
];

export const ROLE_TEMPLATES: readonly QuestionTemplate<RoleVars>[] = [
  t({
    id: 'role-biggest-change',
    difficulty: 'medium',
    render: (v) =>
      `You were ${v.title} at ${v.org} for ${v.years}. What was the most significant thing you changed there, and how did you measure its effect?`,
    lookFor: () => 'A change they drove themselves, the before and after in numbers or observable terms, and who else was involved.',
  }),
  t({
    id: 'role-highlight',
    difficulty: 'medium',
    needs: ['highlight'],
    render: (v) =>
      `As ${v.title} at ${v.org}, you wrote: "${v.highlight ?? ''}". What was the situation before, what exactly was your contribution, and what happened afterwards?`,
    lookFor: () => 'Consistency with the resume claim, a clear split between their work and the team’s, and a verifiable result.',
  }),
  t({
    id: 'role-transition',
    difficulty: 'medium',
    needs: ['previousTitle', 'previousOrg'],
    render: (v) =>
      `Going from ${v.previousTitle ?? ''} at ${v.previousOrg ?? ''} to ${v.title} at ${v.org}, what did you have to learn or unlearn, and what carried over?`,
    lookFor: () => 'Insight into how the roles differed, deliberate learning, and transferable strengths they still use.',
  }),
  t({
    id: 'role-disagreement',
    difficulty: 'hard',
    needs: ['highlight'],
    render: (v) =>
      `Your resume mentions "${v.highlight ?? ''}" from your time at ${v.org}. Who else was involved, and how did you handle disagreement about the approach?`,
    lookFor: () => 'Collaboration under disagreement: listening, using evidence, reaching a decision, and keeping the relationship intact.',
  }),
  t({
    id: 'role-hindsight',
    difficulty: 'medium',
    render: (v) => `Looking back at your ${v.years} at ${v.org}, what is one decision you would make differently with hindsight, and why?`,
    lookFor: () => 'Genuine reflection with a real decision, what they learned, and how it changed their later work.',
  }),
  t({
    id: 'role-typical-week',
    difficulty: 'easy',
    render: (v) => `What did a typical week look like for you as ${v.title} at ${v.org}, and which part of it is most relevant to this role?`,
    lookFor: () => 'A concrete picture of their responsibilities and a sensible link to this job’s duties.',
  }),
];

export const PROJECT_TEMPLATES: readonly QuestionTemplate<ProjectVars>[] = [
  t({
    id: 'project-goal',
    difficulty: 'medium',
    render: (v) => `Tell me about "${v.project}". What was the goal, what did you personally build or decide, and what would you change now?`,
    lookFor: () => 'Clear goals, their personal contribution, technical or practical depth, and reflection.',
  }),
  t({
    id: 'project-trade-off',
    difficulty: 'hard',
    needs: ['highlight'],
    render: (v) => `For "${v.project}" you describe "${v.highlight ?? ''}". What was the hardest trade-off in that work, and how did you make it?`,
    lookFor: () => 'A real trade-off with explicit criteria, alternatives considered, and the consequences they accepted.',
  }),
  t({
    id: 'project-why',
    difficulty: 'easy',
    render: (v) => `Why did you take on "${v.project}", and what did it teach you that you have used since?`,
    lookFor: () => 'Motivation, initiative, and a lesson they can show applying later.',
  }),
];

export const BEHAVIOURAL_TEMPLATES: readonly QuestionTemplate<DutyVars>[] = [
  t({
    id: 'behaviour-similar',
    difficulty: 'medium',
    render: (v) => `This role involves "${v.duty}". Tell me about a time you did something similar: the situation, what you did, and the result.`,
    lookFor: () => 'A specific, real example (situation, their own actions, result) with numbers where possible.',
  }),
  t({
    id: 'behaviour-went-wrong',
    difficulty: 'medium',
    render: (v) => `Describe a time when work like "${v.duty}" went wrong or got harder than expected. How did you respond?`,
    lookFor: () => 'Ownership of the problem, composure, a practical recovery, and what they changed to avoid a repeat.',
  }),
  t({
    id: 'behaviour-disagreement',
    difficulty: 'hard',
    render: (v) =>
      `Tell me about a time you disagreed with a colleague or stakeholder over work like "${v.duty}". How did you handle it, and what was the outcome?`,
    lookFor: () => 'Respectful challenge backed by evidence, willingness to be persuaded, and a clear outcome.',
  }),
  t({
    id: 'behaviour-proud',
    difficulty: 'easy',
    render: (v) => `Which piece of your past work is closest to "${v.duty}", and why are you proud of it?`,
    lookFor: () => 'Relevant experience, what good looks like to them, and pride grounded in results rather than effort alone.',
  }),
  t({
    id: 'behaviour-priorities',
    difficulty: 'medium',
    render: (v) =>
      `Give an example of balancing work like "${v.duty}" against competing priorities. What did you drop or delay, and how did you communicate it?`,
    lookFor: () => 'Explicit prioritisation criteria, early communication with those affected, and no silent dropping of work.',
  }),
  t({
    id: 'behaviour-feedback',
    difficulty: 'hard',
    render: (v) => `Tell me about a time you received feedback on work like "${v.duty}" that you disagreed with. What did you do with it?`,
    lookFor: () => 'Openness to feedback, separating ego from work, and a thoughtful response (adopting it or explaining why not).',
  }),
  t({
    id: 'behaviour-soft-skill',
    difficulty: 'medium',
    needs: ['skill'],
    render: (v) => `The job asks for ${v.skill ?? ''}. Tell me about a specific time it made the difference in your work.`,
    lookFor: (v) => `A concrete story showing ${v.skill ?? 'the skill'} in action, their own behaviour, and the effect on others or the result.`,
  }),
];

export const SCENARIO_TEMPLATES: readonly QuestionTemplate<DutyVars>[] = [
  t({
    id: 'scenario-first-month',
    difficulty: 'hard',
    render: (v) =>
      `Imagine that in your first month you are asked to take on "${v.duty}". What would you do in the first week, and what would you ask before starting?`,
    lookFor: () => 'Clarifying questions, learning the current state before changing it, quick wins versus longer work, and who they would involve.',
  }),
  t({
    id: 'scenario-behind-schedule',
    difficulty: 'hard',
    render: (v) => `Suppose "${v.duty}" is behind schedule and a key stakeholder is unhappy. Walk me through how you would recover it.`,
    lookFor: () => 'Honest assessment, re-planning with options, transparent communication with the stakeholder, and protecting quality.',
  }),
  t({
    id: 'scenario-doing-well',
    difficulty: 'medium',
    render: (v) => `If you owned "${v.duty}" here, how would you know you were doing it well? What would you measure or check?`,
    lookFor: () => 'Meaningful measures of outcome and quality, how often they would check them, and what they would do if they slipped.',
  }),
  t({
    id: 'scenario-someone-elses-problem',
    difficulty: 'hard',
    render: (v) => `Halfway through "${v.duty}" you discover a serious problem that someone else introduced. What do you do?`,
    lookFor: () => 'Containing the impact first, raising it without blame, fixing root causes, and following up with the person constructively.',
  }),
  t({
    id: 'scenario-handover',
    difficulty: 'medium',
    render: (v) => `You need to hand over "${v.duty}" to a new colleague. What would you make sure they know, and how?`,
    lookFor: () => 'Prioritised knowledge transfer (risks, contacts, routines), documentation, and checking understanding rather than assuming it.',
  }),
  t({
    id: 'scenario-two-requests',
    difficulty: 'medium',
    render: (v) => `Two urgent requests land at once, and one of them is "${v.duty}". How do you decide what happens first, and who do you tell?`,
    lookFor: () => 'Clear criteria (impact, safety, deadlines), involving the right decision-maker, and communicating the trade-off.',
  }),
];

/** Used only when the documents give too little to ask about; grounded in the job title. */
export const FALLBACK_TEMPLATES: readonly (QuestionTemplate<DutyVars> & { category: 'behavioural' | 'scenario' })[] = [
  {
    ...t<DutyVars>({
      id: 'fallback-motivation',
      difficulty: 'easy',
      render: (v) => `What attracted you to this ${v.jobTitle} role, and what would you want to have achieved after six months?`,
      lookFor: () => 'Genuine, specific motivation and realistic, outcome-focused goals for the role.',
    }),
    category: 'behavioural',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-first-90-days',
      difficulty: 'medium',
      render: (v) => `Imagine your first 90 days as ${v.jobTitle}. What would you prioritise, and why?`,
      lookFor: () => 'Learning before changing, building relationships, and a few well-chosen early contributions.',
    }),
    category: 'scenario',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-learn-quickly',
      difficulty: 'medium',
      render: () => 'Tell me about a time you had to learn something quickly to do your job. How did you go about it?',
      lookFor: () => 'A concrete learning strategy, resourcefulness, and how they checked they had understood.',
    }),
    category: 'behavioural',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-best-team',
      difficulty: 'easy',
      render: () => 'Describe the best team you have worked in. What made it work, and what was your part in that?',
      lookFor: () => 'Insight into what makes teams effective and a credible account of their own contribution.',
    }),
    category: 'behavioural',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-mistake',
      difficulty: 'medium',
      render: () => 'Tell me about a mistake you made at work, how you found out, and what you changed afterwards.',
      lookFor: () => 'Honesty, ownership, a fix for the root cause, and a change in their habits.',
    }),
    category: 'behavioural',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-conflicting-instructions',
      difficulty: 'hard',
      render: () => 'Suppose your manager and a senior colleague give you conflicting instructions on the same task. What do you do?',
      lookFor: () => 'Surfacing the conflict quickly and openly, getting a single decision, and not playing one person against the other.',
    }),
    category: 'scenario',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-unclear-request',
      difficulty: 'medium',
      render: (v) => `As ${v.jobTitle}, you receive a request that is vague and urgent. How do you turn it into something you can deliver?`,
      lookFor: () => 'Clarifying questions, restating the goal, agreeing scope and deadline, and confirming in writing.',
    }),
    category: 'scenario',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-pressure',
      difficulty: 'medium',
      render: () => 'Describe a week when the workload was more than you could finish. What did you do first, and what did you let go?',
      lookFor: () => 'Deliberate prioritisation, asking for help or renegotiating early, and keeping quality where it mattered.',
    }),
    category: 'behavioural',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-feedback-given',
      difficulty: 'medium',
      render: () => 'Tell me about a time you had to give a colleague difficult feedback. How did you prepare, and how did it land?',
      lookFor: () => 'Specific, kind and direct feedback, preparation, and attention to how the other person responded.',
    }),
    category: 'behavioural',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-improved-process',
      difficulty: 'medium',
      render: () => 'What is one way you made the way your team works better, and how did you know it had helped?',
      lookFor: () => 'Initiative, bringing others along, and evidence of the improvement rather than opinion.',
    }),
    category: 'behavioural',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-complaint',
      difficulty: 'hard',
      render: () => 'Suppose someone you work for complains, angrily and in public, about a mistake that was partly yours. How do you respond?',
      lookFor: () => 'Staying calm, acknowledging the problem, moving the conversation somewhere appropriate, fixing it, and following up.',
    }),
    category: 'scenario',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-shortcut',
      difficulty: 'hard',
      render: () => 'Imagine you notice a colleague regularly skipping a safety or quality step to save time. What do you do?',
      lookFor: () => 'Putting safety and quality first, raising it directly and then through the right channel, without blame or gossip.',
    }),
    category: 'scenario',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-unfamiliar-task',
      difficulty: 'medium',
      render: (v) => `On your first day as ${v.jobTitle} you are given a task nobody has explained. How do you get it done well?`,
      lookFor: () => 'Finding existing guidance, asking targeted questions, checking work early, and not guessing on anything risky.',
    }),
    category: 'scenario',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-explain',
      difficulty: 'easy',
      render: () => 'Explain something you know well to me as if I were new to it. What do you leave out, and why?',
      lookFor: () => 'Clarity, structure, checking understanding, and judgement about what matters to the listener.',
    }),
    category: 'behavioural',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-goal',
      difficulty: 'medium',
      render: () => 'Tell me about a goal you set yourself at work, how you tracked it, and whether you reached it.',
      lookFor: () => 'A concrete, measurable goal, a plan, honest reporting of the outcome, and what they learned either way.',
    }),
    category: 'behavioural',
  },
  {
    ...t<DutyVars>({
      id: 'fallback-proud',
      difficulty: 'easy',
      render: () => 'What piece of work from the last two years are you proudest of, and what did it take from you?',
      lookFor: () => 'A relevant achievement with their own contribution, obstacles overcome, and a measurable result.',
    }),
    category: 'behavioural',
  },
];

export interface OpeningVars {
  /** The candidate's latest title and employer. */
  title: string;
  org: string;
  jobTitle: string;
  years: string;
  requiredYears?: string;
  /** "eight months in 2021", for a gap between roles. */
  gap?: string;
  /** A resume line that shows leading people, quoted. */
  evidence?: string;
}

/** What an interviewer opens with, where it applies: each kind is asked at most once. */
export const OPENING_TEMPLATES: Readonly<
  Record<'careerChange' | 'overQualified' | 'underQualified' | 'leadership' | 'leadershipUnshown' | 'employmentGap', QuestionTemplate<OpeningVars>>
> = {
  careerChange: t({
    id: 'opening-career-change',
    difficulty: 'medium',
    render: (v) =>
      `You have been ${v.title} at ${v.org}, and this is a ${v.jobTitle} role. What draws you to the change, and which parts of your work there carry over directly?`,
    lookFor: () =>
      'A considered reason for the move (not only escape from the old job), specific transferable work, and a realistic view of what is new to them.',
  }),
  overQualified: t({
    id: 'opening-over-qualified',
    difficulty: 'medium',
    render: (v) =>
      `With ${v.years} of experience, most recently as ${v.title}, you bring more than this ${v.jobTitle} role asks for. What makes it the right next step for you, and what would keep you engaged in it?`,
    lookFor: () =>
      'A credible motive (scope, field, balance), comfort reporting to someone with less experience, and an answer to how long they would stay.',
  }),
  underQualified: t({
    id: 'opening-under-qualified',
    difficulty: 'medium',
    render: (v) =>
      `The role asks for ${v.requiredYears ?? 'more'} of experience and your resume shows ${v.years}. Which of your work best shows you can do it at that level, and where would you need support at first?`,
    lookFor: () => 'Concrete work at the level required, an honest account of what is new, and how they would close the distance quickly.',
  }),
  leadership: t({
    id: 'opening-leadership',
    difficulty: 'hard',
    render: (v) =>
      `This is a ${v.jobTitle} role. Your resume says "${v.evidence ?? ''}". How did you set direction for the people involved, and how did you handle someone who was not performing?`,
    lookFor: () =>
      'How they set goals and priorities, gave feedback and dealt with under-performance, and how the team did as a result (retention, delivery).',
  }),
  leadershipUnshown: t({
    id: 'opening-leadership-unshown',
    difficulty: 'hard',
    render: (v) =>
      `This ${v.jobTitle} role leads other people, and your resume does not show you managing a team. When have you led others, formally or not, and what did you learn about doing it?`,
    lookFor: () =>
      'A real instance of leading (project, shift, mentoring), their own actions and the outcome, and what they would do differently as a manager.',
  }),
  employmentGap: t({
    id: 'opening-employment-gap',
    difficulty: 'easy',
    render: (v) =>
      `Your resume shows a gap of ${v.gap ?? 'some months'}. What were you doing then, and how did it shape what you are looking for now?`,
    lookFor: () =>
      'A plain account (study, care, health, search, travel are all fine); listen for what they kept current and why this role fits now.',
  }),
};
