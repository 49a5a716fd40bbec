import { ConfigError, env, loadConfig } from '../src';

const load = (value?: string) =>
  loadConfig({ EVENTS_TRUSTED_PUBLISHERS: env.publishers() }, { EVENTS_TRUSTED_PUBLISHERS: value }).EVENTS_TRUSTED_PUBLISHERS;

describe('EVENTS_TRUSTED_PUBLISHERS', () => {
  it('when unset, then no publisher check', () => {
    expect(load(undefined)).toBeUndefined();
  });

  it('when given prefix=user pairs, then a map from routing-key prefix to broker user', () => {
    expect(load('user.=auth, token.=auth,record.=records,qa.job.=qa')).toEqual({
      'user.': 'auth',
      'token.': 'auth',
      'record.': 'records',
      'qa.job.': 'qa',
    });
  });

  it.each(['user.', 'user.=', '=auth', 'user.=a=b', 'user.*=auth'])('when %p, then start fails naming the variable', (value) => {
    expect(() => load(value)).toThrow(ConfigError);
    expect(() => load(value)).toThrow(/EVENTS_TRUSTED_PUBLISHERS/);
  });
});
