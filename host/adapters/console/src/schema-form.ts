import type { Problem } from './api';
import { h } from './dom';
import { t } from './i18n';

/** The part of JSON Schema a plugin's configSchema uses for its top-level settings. */
export interface PropSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  title?: string;
  minimum?: number;
  maximum?: number;
  items?: PropSchema;
}

interface Field {
  readonly key: string;
  readonly kind: 'integer' | 'number' | 'boolean' | 'enum' | 'string' | 'list' | 'json';
  readonly schema: PropSchema;
  readonly input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  readonly error: HTMLElement;
  readonly initial: unknown;
}

export interface SchemaForm {
  readonly element: HTMLFormElement;
  /** Values that differ from what the form was drawn with; or problems found before sending. */
  changes(): { values: Record<string, unknown> } | { problems: Problem[] };
  showProblems(problems: readonly Problem[], message?: string): void;
  clearProblems(): void;
}

function kindOf(s: PropSchema): Field['kind'] {
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (s.enum) return 'enum';
  if (types.includes('boolean')) return 'boolean';
  if (types.includes('integer')) return 'integer';
  if (types.includes('number')) return 'number';
  if (types.includes('array') && s.items && ['string', 'integer', 'number'].includes(String(s.items.type))) return 'list';
  if (types.includes('string')) return 'string';
  return 'json';
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A form generated from a plugin's configSchema: a third-party plugin gets a
 * usable form with no console change. The server is the judge of validity
 * (the same ajv schema); the form only converts text to the schema's types
 * and places each problem next to its field.
 */
export function schemaForm(idPrefix: string, schema: { properties?: Record<string, PropSchema> }, values: Record<string, unknown>, overrides: Record<string, unknown>): SchemaForm {
  const fields: Field[] = [];
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const rows = Object.entries(schema.properties ?? {}).map(([key, s]) => {
    const kind = kindOf(s);
    const id = `${idPrefix}-${key}`;
    const v = values[key];
    let input: Field['input'];
    switch (kind) {
      case 'boolean':
        input = h('input', { id, type: 'checkbox', name: key, checked: v === true });
        break;
      case 'enum':
        input = h('select', { id, name: key }, (s.enum ?? []).map((o) => h('option', { value: JSON.stringify(o), selected: same(o, v) }, String(o))));
        break;
      case 'integer':
      case 'number':
        input = h('input', {
          id, type: 'number', name: key, value: v === undefined ? '' : String(v),
          step: kind === 'integer' ? '1' : 'any',
          ...(s.minimum !== undefined ? { min: String(s.minimum) } : {}),
          ...(s.maximum !== undefined ? { max: String(s.maximum) } : {}),
        });
        break;
      case 'list':
        input = h('textarea', { id, name: key, rows: 3, placeholder: t('onePerLine') }, Array.isArray(v) ? v.join('\n') : '');
        break;
      case 'json':
        input = h('textarea', { id, name: key, rows: 4, class: 'mono' }, v === undefined ? '' : JSON.stringify(v, null, 2));
        break;
      default:
        input = h('input', { id, type: 'text', name: key, value: v === undefined ? '' : String(v) });
    }
    // The browser's own range checks would block the server's message; the server decides.
    input.setAttribute('formnovalidate', '');
    const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true, data: { field: key } });
    input.setAttribute('aria-describedby', `${id}-error`);
    fields.push({ key, kind, schema: s, input, error, initial: v });
    const own = Object.prototype.hasOwnProperty.call(overrides, key);
    return h(
      'div',
      { class: `field ${kind === 'boolean' ? 'inline' : ''}`, data: { key } },
      h('label', { for: id }, h('span', { class: 'field-name' }, s.title ?? key), own ? h('span', { class: 'set-here', title: t('setHereHint') }, t('setHere')) : null),
      input,
      s.description ? h('p', { class: 'field-help' }, s.description) : null,
      error,
    );
  });
  const element = h('form', { class: 'schema-form', id: `${idPrefix}-form`, on: { submit: (e) => e.preventDefault() } }, formError, rows);
  element.noValidate = true;

  function read(f: Field): { value: unknown } | { problem: string } {
    const raw = f.input instanceof HTMLInputElement && f.input.type === 'checkbox' ? f.input.checked : f.input.value;
    switch (f.kind) {
      case 'boolean':
        return { value: raw };
      case 'enum':
        return { value: JSON.parse(String(raw)) };
      case 'integer':
      case 'number': {
        const text = String(raw).trim();
        if (text === '') return { value: null };
        const n = Number(text);
        return Number.isFinite(n) ? { value: n } : { problem: t('notANumber') };
      }
      case 'list': {
        const items = String(raw).split('\n').map((x) => x.trim()).filter(Boolean);
        const numeric = f.schema.items?.type === 'integer' || f.schema.items?.type === 'number';
        if (numeric && items.some((x) => !Number.isFinite(Number(x)))) return { problem: t('notANumber') };
        return { value: numeric ? items.map(Number) : items };
      }
      case 'json': {
        const text = String(raw).trim();
        if (text === '') return { value: null };
        try {
          return { value: JSON.parse(text) };
        } catch {
          return { problem: t('notJson') };
        }
      }
      default:
        return { value: raw };
    }
  }

  const api: SchemaForm = {
    element,
    changes() {
      const values: Record<string, unknown> = {};
      const problems: Problem[] = [];
      for (const f of fields) {
        const r = read(f);
        if ('problem' in r) problems.push({ path: `/${f.key}`, message: r.problem, rule: 'type' });
        else if (!same(r.value, f.initial)) values[f.key] = r.value;
      }
      return problems.length ? { problems } : { values };
    },
    showProblems(problems, message) {
      api.clearProblems();
      const unplaced: string[] = [];
      for (const p of problems) {
        const key = p.path.split('/')[1] ?? '';
        const f = fields.find((x) => x.key === key);
        if (f) {
          f.error.hidden = false;
          f.error.textContent = f.error.textContent ? `${f.error.textContent}; ${p.message}` : p.message;
          f.input.setAttribute('aria-invalid', 'true');
          f.input.closest('.field')?.classList.add('invalid');
        } else unplaced.push(`${p.path} ${p.message}`);
      }
      if (unplaced.length || (message && problems.length === 0)) {
        formError.hidden = false;
        formError.textContent = unplaced.length ? unplaced.join('; ') : message ?? '';
      }
    },
    clearProblems() {
      formError.hidden = true;
      formError.textContent = '';
      for (const f of fields) {
        f.error.hidden = true;
        f.error.textContent = '';
        f.input.removeAttribute('aria-invalid');
        f.input.closest('.field')?.classList.remove('invalid');
      }
    },
  };
  return api;
}
