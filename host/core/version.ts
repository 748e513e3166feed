import { packageRoot } from './paths';

/** mailwarden's version, from its package.json. */
export function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(`${packageRoot()}/package.json`).version as string;
}
