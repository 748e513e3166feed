import { diagnose, type DoctorInput, parseDoveconf, parseMainCfOutput, recommendedMainCf } from '../../../../../host/tools/postfix/doctor';
import { parseRestrictions } from '../../../../../host/tools/postfix/restrictions';

const POLICY = '127.0.0.1:10040';

function input(postconf: Record<string, string>, o: Partial<DoctorInput> = {}): DoctorInput {
  return { postconf, explicit: new Set(Object.keys(postconf)), policyAddress: POLICY, dovecotAddress: '127.0.0.1:8441', doveconfError: 'not asked', ...o };
}

const GOOD = parseMainCfOutput(recommendedMainCf({ policyAddress: POLICY }).join('\n'));
const levels = (fs: ReturnType<typeof diagnose>, check: string) => fs.filter((f) => f.check === check).map((f) => f.level);

describe('parseRestrictions', () => {
  it('reads names, arguments and { } options', () => {
    expect(parseRestrictions('permit_mynetworks,permit_sasl_authenticated, check_policy_service { inet:127.0.0.1:10040, policy_context=relay, default_action=DUNNO },\n  check_client_access hash:/etc/postfix/access reject_unauth_destination')).toEqual([
      { name: 'permit_mynetworks' }, { name: 'permit_sasl_authenticated' },
      { name: 'check_policy_service', arg: 'inet:127.0.0.1:10040', options: { policy_context: 'relay', default_action: 'DUNNO' } },
      { name: 'check_client_access', arg: 'hash:/etc/postfix/access' }, { name: 'reject_unauth_destination' },
    ]);
  });
});

describe('doctor diagnose', () => {
  it('passes the recommended wiring', () => {
    const f = diagnose(input(GOOD));
    expect(f.filter((x) => x.level === 'problem' || x.level === 'warning')).toEqual([]);
    expect(levels(f, 'relay')).toEqual(['ok']);
    expect(levels(f, 'policy')).toEqual(['ok']);
    expect(levels(f, 'dovecot')).toEqual(['skipped']);
  });

  it('finds an open relay: no reject_unauth_destination anywhere, or a bare permit before it', () => {
    const none = diagnose(input({ ...GOOD, smtpd_relay_restrictions: 'permit_mynetworks', smtpd_recipient_restrictions: '' }));
    expect(none.find((x) => x.check === 'relay')).toMatchObject({ level: 'problem', paste: [expect.stringContaining('reject_unauth_destination')] });
    const permit = diagnose(input({ ...GOOD, smtpd_relay_restrictions: 'permit, reject_unauth_destination' }));
    expect(permit.find((x) => x.check === 'relay')!.message).toContain('open relay');
  });

  it('warns about defer_unauth_destination and about other permits before it', () => {
    const f = diagnose(input({ ...GOOD, smtpd_relay_restrictions: `permit_mynetworks, check_client_access hash:/etc/postfix/ok, check_policy_service inet:${POLICY}, defer_unauth_destination` }));
    const msgs = f.filter((x) => x.check === 'relay').map((x) => x.message).join('\n');
    expect(msgs).toContain('defer_unauth_destination');
    expect(msgs).toContain('check_client_access hash:/etc/postfix/ok can permit relaying');
    expect(msgs).not.toContain(`check_policy_service inet:${POLICY} can permit`);
  });

  it('knows no plugin: mynetworks is left to the plugins\' checks', () => {
    expect(diagnose(input({ ...GOOD, mynetworks: '0.0.0.0/0' })).map((x) => x.check)).not.toContain('mynetworks');
  });

  it('the recommended wiring is the one `mailwarden wiring postfix` prints: the relay decision is Postfix\'s, mailwarden is asked after it', () => {
    expect(recommendedMainCf({ policyAddress: POLICY })).toEqual([
      'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
      `smtpd_recipient_restrictions = check_policy_service { inet:${POLICY}, policy_context=relay }`,
      `smtpd_end_of_data_restrictions = check_policy_service { inet:${POLICY}, policy_context=limits }`,
    ]);
  });

  it('finds missing policy services and gives the lines to paste', () => {
    const f = diagnose(input({ ...GOOD, smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination', smtpd_recipient_restrictions: '', smtpd_end_of_data_restrictions: '' }));
    const p = f.filter((x) => x.check === 'policy');
    expect(p.map((x) => x.level)).toEqual(['problem', 'problem']);
    expect(p[0].paste![0]).toBe(`smtpd_recipient_restrictions = check_policy_service { inet:${POLICY}, policy_context=relay }`);
    expect(p[1].paste![0]).toBe(`smtpd_end_of_data_restrictions = check_policy_service { inet:${POLICY}, policy_context=limits }`);
  });

  it('flags the wirings the docs used to give: policy before reject_unauth_destination, and policy_context=ratelimit at end of data', () => {
    const early = diagnose(input({ ...GOOD, smtpd_relay_restrictions: `permit_mynetworks, permit_sasl_authenticated, check_policy_service { inet:${POLICY}, policy_context=relay }, reject_unauth_destination`, smtpd_recipient_restrictions: '' }));
    expect(early.filter((x) => x.check === 'policy')).toEqual([expect.objectContaining({ level: 'warning', message: expect.stringContaining('before reject_unauth_destination') })]);
    const ratelimit = diagnose(input({ ...GOOD, smtpd_recipient_restrictions: `check_policy_service { inet:${POLICY}, policy_context=ratelimit }`, smtpd_end_of_data_restrictions: `check_policy_service { inet:${POLICY}, policy_context=ratelimit }` }));
    const msgs = ratelimit.filter((x) => x.check === 'policy' && x.level === 'problem').map((x) => x.message);
    expect(msgs).toEqual([expect.stringContaining('policy_context=ratelimit'), expect.stringContaining("trusted relays' hourly caps are silently off")]);
  });

  it('checks the Dovecot auth policy wiring', () => {
    const missing = diagnose(input(GOOD, { doveconf: { auth_mechanisms: 'plain' } }));
    expect(missing.find((x) => x.check === 'dovecot')).toMatchObject({ level: 'problem', paste: expect.arrayContaining(['auth_policy_server_url = http://127.0.0.1:8441/']) });
    const secret = 'Authorization: Basic ZG92ZWNvdDpzM2NyZXQ=';
    const wired = { auth_policy_server_url: 'http://127.0.0.1:8441/', auth_policy_hash_nonce: 'x', auth_policy_server_api_header: secret };
    const ok = diagnose(input(GOOD, { doveconf: wired, dovecotApiHeader: secret }));
    expect(levels(ok, 'dovecot')).toEqual(['ok']);
    const nonce = diagnose(input(GOOD, { doveconf: { ...wired, auth_policy_hash_nonce: '' }, dovecotApiHeader: secret }));
    expect(nonce.find((x) => x.check === 'dovecot')!.message).toContain('auth_policy_hash_nonce');
  });

  it('reports a missing or mismatched Dovecot secret with the line to paste', () => {
    const secret = 'Authorization: Basic ZG92ZWNvdDpzM2NyZXQ=';
    const base = { auth_policy_server_url: 'http://127.0.0.1:8441/', auth_policy_hash_nonce: 'x' };
    const line = `auth_policy_server_api_header = ${secret}`;
    const missing = diagnose(input(GOOD, { doveconf: base, dovecotApiHeader: secret }));
    expect(missing.filter((x) => x.check === 'dovecot')).toEqual([expect.objectContaining({ level: 'problem', message: expect.stringContaining('auth_policy_server_api_header is not set'), paste: [line] })]);
    const wrong = diagnose(input(GOOD, { doveconf: { ...base, auth_policy_server_api_header: 'Authorization: Basic d3Jvbmc=' }, dovecotApiHeader: secret }));
    expect(wrong.filter((x) => x.check === 'dovecot')).toEqual([expect.objectContaining({ level: 'problem', message: expect.stringContaining('does not match'), paste: [line] })]);
    // Dovecot splits at the first colon and trims: spacing and the header name's case do not matter.
    const spaced = diagnose(input(GOOD, { doveconf: { ...base, auth_policy_server_api_header: 'authorization:Basic ZG92ZWNvdDpzM2NyZXQ=' }, dovecotApiHeader: secret }));
    expect(levels(spaced, 'dovecot')).toEqual(['ok']);
    const none = diagnose(input(GOOD, { doveconf: base }));
    expect(none.find((x) => x.check === 'dovecot')!.message).toContain('secret does not exist yet');
    const noRemote = diagnose(input(GOOD, { doveconf: { ...base, auth_policy_server_api_header: secret, auth_policy_request_attributes: 'login=%{requested_username}' }, dovecotApiHeader: secret }));
    expect(noRemote.find((x) => x.check === 'dovecot')!.message).toContain('remote=%{rip}');
  });
});

describe('config output parsers', () => {
  it('joins postconf continuation lines', () => {
    expect(parseMainCfOutput('a = 1\nb = x,\n    y\n# c\n')).toEqual({ a: '1', b: 'x, y' });
  });
  it('keeps only top-level doveconf settings', () => {
    expect(parseDoveconf('# 2.3.19\nauth_policy_server_url = http://x/\nservice auth {\n  unix_listener x {\n    mode = 0600\n  }\n}\nlisten = *\n')).toEqual({ auth_policy_server_url: 'http://x/', listen: '*' });
  });
});
