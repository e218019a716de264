// Names for messages: tags in error texts and logs.
import { formatTagHex, tagName as dictTagName } from '../dict/index.js';

export function tagName(tag: number): string {
  return dictTagName(tag) ?? formatTagHex(tag);
}
