// The `kmipkit/ttlv` entry: the binary codec plus the KMIP XML, JSON and text renderings of its trees.
// (The codec itself, src/ttlv, knows nothing of names; the encodings stand on the dictionary.)
export * from '../ttlv/index.js';
export { fromXml, fromXmlMessages, toXml, toXmlMessages, KMIP_XML_NAMESPACE, type XmlWriteOptions } from '../encodings/xml.js';
export { fromJson, toJson, toJsonValue, type JsonItem, type JsonWriteOptions } from '../encodings/json.js';
export { KmipEncodingError, type KmipEncodingErrorCode } from '../encodings/errors.js';
export type { ParseOptions } from '../encodings/build.js';
export type { ExtraNames } from '../encodings/names.js';
export { toText } from '../encodings/text.js';
