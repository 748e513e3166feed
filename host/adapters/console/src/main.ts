import { api, ApiError, onSessionLost, setCsrf } from './api';
import { clear, h } from './dom';
import { lang, LANGS, setLang, t } from './i18n';
import { loadPluginViews } from './plugin-views';
import type { View, ViewContext } from './view';
import { VIEWS } from './views';

const root = document.getElementById('app') as HTMLElement;
let signedIn = false;
let renderSeq = 0;
/** Cleanups of the view on screen (a plugin's mount may return one). */
let leaving: Array<() => void> = [];

function runAll(fns: Array<() => void>): void {
  for (const fn of fns) {
    try {
      fn();
    } catch {
      /* a view's cleanup failing must not keep the console from moving on */
    }
  }
}

function leave(): void {
  runAll(leaving.splice(0));
}

const titleOf = (v: View): string => (typeof v.title === 'function' ? v.title() : t(v.title));

/** The view whose id (one or more segments: `plugin/<plugin>/<view>`) starts the hash route, and the segments after it. */
function currentRoute(views: readonly View[]): { view: View; args: string[] } {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  const matches = (v: View) => v.id.split('/').every((seg, i) => parts[i] === seg);
  const view = views.find(matches);
  return view ? { view, args: parts.slice(view.id.split('/').length) } : { view: views[0], args: [] };
}

const toast = h('div', { class: 'toast', role: 'status', aria: { live: 'polite' }, hidden: true });
let toastTimer: number | undefined;
function notify(message: string, kind: 'ok' | 'error' = 'ok'): void {
  toast.textContent = message;
  toast.className = `toast ${kind}`;
  toast.hidden = false;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (toast.hidden = true), 5000);
}

function confirmDialog(message: string, action: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: 'confirm', data: { testid: 'confirm' } });
    const done = (ok: boolean) => {
      dlg.close();
      dlg.remove();
      resolve(ok);
    };
    dlg.append(
      h('p', null, message),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'btn plain', on: { click: () => done(false) } }, t('cancel')),
        h('button', { type: 'button', class: 'btn danger', data: { testid: 'confirm-ok' }, on: { click: () => done(true) } }, action),
      ),
    );
    dlg.addEventListener('cancel', () => resolve(false));
    document.body.append(dlg);
    dlg.showModal();
  });
}

function langSwitch(): HTMLElement {
  const sel = h('select', { id: 'lang', aria: { label: t('language') } }, LANGS.map((l) => h('option', { value: l, selected: l === lang() }, l.toUpperCase())));
  sel.addEventListener('change', () => {
    setLang(sel.value as (typeof LANGS)[number]);
    render();
  });
  return sel;
}

function signOut(): void {
  api('DELETE', '/api/session').finally(() => {
    signedIn = false;
    setCsrf('');
    render();
  });
}

function shell(active: View, views: readonly View[], content: Node): HTMLElement {
  return h(
    'div',
    { class: 'shell' },
    h(
      'header',
      { class: 'top' },
      h('a', { class: 'brand', href: '#/dashboard' }, h('img', { src: 'favicon.svg', alt: '' }), 'mailwarden'),
      h('nav', null, views.map((v) => h('a', { href: `#/${v.id}`, class: v === active ? 'active' : '', data: { view: v.id } }, titleOf(v)))),
      h('div', { class: 'top-right' }, langSwitch(), h('button', { type: 'button', class: 'btn plain', id: 'sign-out', on: { click: signOut } }, t('signOut'))),
    ),
    h('main', { id: 'content' }, content),
    toast,
  );
}

function signInScreen(message?: string): HTMLElement {
  const token = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', id: 'sign-in-error', role: 'alert', hidden: !message }, message ?? '');
  const form = h(
    'form',
    {
      class: 'sign-in',
      on: {
        submit: (e) => {
          e.preventDefault();
          api<{ csrfToken: string }>('POST', '/api/session', { token: token.value }).then(
            (s) => {
              setCsrf(s.csrfToken);
              signedIn = true;
              render();
            },
            (err: ApiError) => {
              error.hidden = false;
              error.textContent = err.status === 401 ? t('wrongToken') : err.message;
            },
          );
        },
      },
    },
    h('h1', null, h('img', { src: 'favicon.svg', alt: '' }), 'mailwarden'),
    h('p', { class: 'muted' }, t('signInHint')),
    h('label', { for: 'token' }, t('adminToken')),
    token,
    error,
    h('button', { type: 'submit', class: 'btn primary', id: 'sign-in' }, t('signIn')),
    h('div', { class: 'sign-in-lang' }, langSwitch()),
  );
  return h('div', { class: 'sign-in-page' }, form);
}

async function render(): Promise<void> {
  document.documentElement.lang = lang();
  document.title = `mailwarden — ${t('console')}`;
  if (!signedIn) {
    leave();
    clear(root);
    root.append(signInScreen());
    (document.getElementById('token') as HTMLInputElement | null)?.focus();
    return;
  }
  const seq = ++renderSeq;
  const views = [...VIEWS, ...(await loadPluginViews())];
  if (seq !== renderSeq || !signedIn) return;
  const { view, args } = currentRoute(views);
  const cleanups: Array<() => void> = [];
  const ctx: ViewContext = {
    args,
    go: (hash) => {
      if (location.hash === hash) void render();
      else location.hash = hash;
    },
    refresh: () => void render(),
    notify,
    confirm: confirmDialog,
    onLeave: (fn) => void cleanups.push(fn),
  };
  let content: Node;
  try {
    content = await view.render(ctx);
  } catch (e) {
    content = h('p', { class: 'form-error' }, (e as Error).message);
  }
  if (seq !== renderSeq || !signedIn) {
    // Superseded while it mounted: it never reaches the screen, so it is left at once.
    return runAll(cleanups);
  }
  leave();
  leaving = cleanups;
  const scrollY = window.scrollY;
  clear(root);
  root.append(shell(view, views, content));
  window.scrollTo(0, scrollY);
  document.body.dataset.ready = view.id;
}

onSessionLost(() => {
  if (!signedIn) return;
  signedIn = false;
  leave();
  clear(root);
  root.append(signInScreen(t('sessionEnded')));
});
window.addEventListener('hashchange', () => {
  toast.hidden = true;
  void render();
});

api<{ csrfToken: string }>('GET', '/api/session').then(
  (s) => {
    setCsrf(s.csrfToken);
    signedIn = true;
    void render();
  },
  () => void render(),
);
