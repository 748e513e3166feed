import { PasswordService } from '../../../core/password/password-service';
import type { RouteModule } from '../router';
import { domainField } from './params';

/** The password policy tester (CLI: `mailwarden password check`). The password is never logged nor stored. */
export const passwordRoutes: RouteModule = (r, { app }) => {
  const service = new PasswordService(app);
  r.add<{ domain?: string; login: string; password: string; displayName?: string; lang?: string }>({
    method: 'POST',
    path: '/api/password/check',
    tag: 'password',
    summary: "Check a candidate password against the domain's policy: every failed rule with its message (language: lang, else Accept-Language, else the domain's locale)",
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['login', 'password'],
      properties: {
        domain: { type: 'string', minLength: 1, maxLength: 253 },
        login: { type: 'string', minLength: 1, maxLength: 320 },
        password: { type: 'string', maxLength: 4096, description: 'Checked in memory only; longer inputs are refused before any rule runs.' },
        displayName: { type: 'string', maxLength: 256 },
        lang: { enum: ['en', 'fr', 'de'] },
      },
    },
    async handle({ body, acceptLang }) {
      if (body.domain !== undefined) domainField(body.domain);
      return service.checkPassword({ ...body, ...(body.lang === undefined && acceptLang ? { lang: acceptLang } : {}) });
    },
  });
};
