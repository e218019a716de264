// Known errata of the vendored OASIS test cases, corrected here (the files stay byte-identical).
// Each entry names the files, what is wrong, and the correction the harness applies.

export interface Erratum {
  id: string;
  /** Paths relative to testdata/kmip-testcases that the entry applies to. */
  files: RegExp;
  /** What is wrong in the published files. */
  defect: string;
  /** Text correction applied before parsing. */
  fixText?: (xml: string) => string;
  /**
   * Response paths (as in a difference report with indices dropped: `ResponseMessage/BatchItem/...`)
   * compared loosely in these files, at one step or at all steps.
   */
  loose?: { step?: number; path: string }[];
}

export const ERRATA: readonly Erratum[] = [
  {
    id: 'E1-ecdsa-sign-close-tag',
    files: /^v1\.4\/testcases\/TC-ECDSA-SIGN-1-14\.xml$/,
    defect: 'not well-formed: a second </KMIP> after the root element (line 493)',
    fixText: (xml) => xml.replace(/(<\/KMIP>\s*)<\/KMIP>\s*$/, '$1'),
  },
  {
    id: 'E2-attribute-name-spaces',
    files: /^v1\.0\/profiles\/|^v1\.[012]\/ovh-kmip-go\//,
    defect:
      'Attribute Names written with runs of spaces ("Cryptographic   Usage Mask"), an artefact of extracting the XML ' +
      'from the HTML documents; KMIP 1.x attribute names have single spaces, and a server rightly does not know the mangled ones',
    fixText: (xml) =>
      xml.replace(/(<AttributeName\s+type="TextString"\s+value=")([^"]*)"/g, (_m, head: string, v: string) => `${head}${v.replace(/\s+/g, ' ').trim()}"`),
  },
];

export function errataFor(file: string): Erratum[] {
  return ERRATA.filter((e) => e.files.test(file));
}

/** The file's text with every applicable correction applied. */
export function applyErrata(file: string, text: string): string {
  return errataFor(file).reduce((t, e) => e.fixText?.(t) ?? t, text);
}
