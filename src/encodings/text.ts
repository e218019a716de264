// A human-readable tree dump for `kmipkit decode --to text`. Not an interchange format.
import { enumForTag, maskForTag, tagName } from '../dict/index.js';
import { ItemType, ITEM_TYPE_NAMES, type TtlvItem } from '../ttlv/index.js';
import { attributeValueDefTags } from './format.js';

const hex = (n: number, width: number) => '0x' + n.toString(16).toUpperCase().padStart(width, '0');

function dateText(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().replace('.000Z', 'Z') : `${seconds} s`;
}

/** `defTag` names the table: the item's own tag, or for a 1.x Attribute Value the Attribute Name's. */
function valueText(item: TtlvItem, defTag: number): string {
  switch (item.type) {
    case ItemType.Enumeration: {
      const name = enumForTag(defTag)?.valueName(item.value);
      return name ? `${name} (${hex(item.value, 8)})` : hex(item.value, 8);
    }
    case ItemType.Integer: {
      const mask = maskForTag(defTag);
      if (!mask || item.value === 0) return String(item.value);
      const names = mask.values.filter(([, bit]) => bit !== 0 && (item.value & bit) === bit).map(([n]) => n);
      return `${item.value} (${names.join('|') || 'no named bits'})`;
    }
    case ItemType.TextString:
      return JSON.stringify(item.value);
    case ItemType.ByteString:
      return `${item.value.length} bytes ${Buffer.from(item.value).toString('hex').toUpperCase()}`;
    case ItemType.BigInteger:
      return `${item.value}`;
    case ItemType.DateTime:
      return dateText(item.value);
    case ItemType.DateTimeExtended:
      return `${dateText(item.value / 1_000_000n)} +${item.value % 1_000_000n} us`;
    case ItemType.Interval:
      return `${item.value} s`;
    case ItemType.Structure:
      return '';
    default:
      return String(item.value);
  }
}

export function toText(root: TtlvItem): string {
  const lines: string[] = [];
  const walk = (item: TtlvItem, depth: number, defTag: number) => {
    const name = tagName(item.tag) ?? hex(item.tag, 6);
    const type = ITEM_TYPE_NAMES[item.type];
    const value = valueText(item, defTag);
    lines.push(`${'  '.repeat(depth)}${name} ${type}${value ? ' ' + value : ''}`);
    if (item.type !== ItemType.Structure) return;
    const defs = attributeValueDefTags(item);
    for (const child of item.value) walk(child, depth + 1, defs?.get(child) ?? child.tag);
  };
  walk(root, 0, root.tag);
  return lines.join('\n');
}
