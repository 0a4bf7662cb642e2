// A real OpenID Connect provider for the tests (the certified npm package `oidc-provider`),
// started by tests/oidc/fixtures.py on loopback. Its development login page takes any login as
// the `sub`; the claims of each login come from OIDC_ACCOUNTS. Configuration by environment:
// PORT, OIDC_CLIENTS (JSON list of client metadata), OIDC_ACCOUNTS (JSON: sub -> claims).
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const provider = new Provider(issuer, {
  clients: JSON.parse(process.env.OIDC_CLIENTS || '[]'),
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false, // the ID token carries the e-mail claims the client asked for
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, ...(accounts[id] || {}) }),
  }),
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['finsam-test-provider'] },
  pkce: { required: () => true },
});

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
