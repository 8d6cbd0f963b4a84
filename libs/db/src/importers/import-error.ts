/** A malformed input row: names the file, the 1-based line and the field. */
export class ImportError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string,
    detail: string,
  ) {
    super(`${file}, line ${line}, field "${field}": ${detail}`);
    this.name = 'ImportError';
  }
}
