import { PiaError } from '../../common/errors.js';

const XML_ENTITIES: Record<string, string> = { '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos', '\r': '#13' };

/**
 * Text escaped for an XML element (also used for the Windows task). Characters XML 1.0 cannot carry at all are
 * refused rather than silently dropped; a carriage return is written as a reference because parsers turn a raw
 * one into a newline.
 */
export function xmlText(value: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\0-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.test(value)) {
    throw new PiaError('service_arg_invalid', `${JSON.stringify(value.slice(0, 80))} contains control characters that an XML service file cannot carry; remove them`);
  }
  return value.replace(/[&<>"'\r]/g, (ch) => `&${XML_ENTITIES[ch]};`);
}
