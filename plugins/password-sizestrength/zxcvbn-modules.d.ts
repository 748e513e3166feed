// The language packages' single files (dictionaries, translations) have no
// typings of their own; importing them one by one keeps unused lists (the
// French and German Wikipedia lists) out of the bundle.
declare module '@zxcvbn-ts/language-fr/dist/*' {
  const value: any;
  export = value;
}
declare module '@zxcvbn-ts/language-de/dist/*' {
  const value: any;
  export = value;
}
