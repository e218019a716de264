// Protocol versions the server speaks, best first (Discover Versions answers in this order).
export interface ProtocolVersion {
  readonly major: number;
  readonly minor: number;
}

export const SUPPORTED_VERSIONS: readonly ProtocolVersion[] = [
  { major: 2, minor: 1 },
  { major: 2, minor: 0 },
  { major: 1, minor: 4 },
  { major: 1, minor: 3 },
  { major: 1, minor: 2 },
  { major: 1, minor: 1 },
  { major: 1, minor: 0 },
];

export const isSupported = (v: ProtocolVersion): boolean => SUPPORTED_VERSIONS.some((s) => s.major === v.major && s.minor === v.minor);
export const vnum = (v: ProtocolVersion): number => v.major * 10 + v.minor;
export const is2x = (v: ProtocolVersion): boolean => v.major >= 2;
export const versionText = (v: ProtocolVersion): string => `${v.major}.${v.minor}`;
