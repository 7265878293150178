/**
 * Types for the slice of `html-to-text` (v10) that PIA uses. The package ships no declarations of its own; it comes
 * with mailparser, which converts HTML with it too, so the mail folder relies on the same converter.
 */
declare module 'html-to-text' {
  /** How one kind of element is written out (`format: 'skip'` drops it with its content). */
  export interface SelectorDefinition {
    selector: string;
    format?: string;
    options?: Record<string, unknown>;
  }

  export interface HtmlToTextOptions {
    wordwrap?: number | false | null;
    decodeEntities?: boolean;
    selectors?: SelectorDefinition[];
    baseElements?: { selectors?: string[]; returnDomByDefault?: boolean };
    limits?: { maxInputLength?: number; maxDepth?: number; maxChildNodes?: number; ellipsis?: string };
  }

  /** Converts an HTML document or fragment to plain text. */
  export function convert(html: string, options?: HtmlToTextOptions): string;
}
