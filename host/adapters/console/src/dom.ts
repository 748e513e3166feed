/*
 * The only way the console builds its page: elements, attributes and text
 * nodes. There is no innerHTML anywhere, so a login like
 * `<img src=x onerror=alert(1)>@example.com` is always shown as text.
 */

import type { ConsoleElementProps } from '../../../../shared/console-view';

export type Child = Node | string | number | null | undefined | false | readonly Child[];

/** The attributes `h` sets; the same set plugin views get through ConsoleViewApi.h. */
export type Props = ConsoleElementProps;

export function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
    return;
  }
  parent.appendChild(typeof child === 'object' ? (child as Node) : document.createTextNode(String(child)));
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || k === 'on' || k === 'data' || k === 'aria') continue;
      if (k === 'value' && 'value' in el) (el as HTMLInputElement).value = String(v);
      else if (k === 'checked') (el as HTMLInputElement).checked = Boolean(v);
      else if (k === 'selected') (el as HTMLOptionElement).selected = Boolean(v);
      else if (typeof v === 'boolean') {
        if (v) el.setAttribute(k, '');
      } else el.setAttribute(k === 'class' ? 'class' : k, String(v));
    }
    for (const [k, v] of Object.entries(props.data ?? {})) el.setAttribute(`data-${k}`, v);
    for (const [k, v] of Object.entries(props.aria ?? {})) el.setAttribute(`aria-${k}`, v);
    for (const [k, fn] of Object.entries(props.on ?? {})) el.addEventListener(k, fn as EventListener);
  }
  for (const c of children) append(el, c);
  return el;
}

export function clear(el: Element): void {
  el.replaceChildren();
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag: string, attrs: Record<string, string | number>, ...children: Element[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.appendChild(c);
  return el;
}
