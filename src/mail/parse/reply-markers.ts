/**
 * The lines mail clients write around a reply, as patterns. Kept apart from the cutting logic in reply-text.ts so a
 * new client or language is one line here. Every pattern is tested against a trimmed line.
 */

/**
 * How "On <date>, <person> wrote:" begins and ends in the languages Gmail, Apple Mail and Thunderbird write it. Both
 * ends must match, the line must hold a digit (the date), and it must either name an address or be followed by a
 * quote, so a sentence like "On Monday the job wrote:" is left alone.
 */
export const ATTRIBUTIONS: readonly RegExp[] = [
  /^On\s.*\swrote\s?:$/i,
  /^Am\s.*\sschrieb\s.*:$/i,
  /^Le\s.*\sa écrit\s?:$/i,
  /^El\s.*\sescribió\s?:$/i,
  /^Il\s.*\sha scritto\s?:$/i,
  /^Op\s.*\sschreef\s.*:$/i,
  /^Em\s.*\sescreveu\s?:$/i,
  /^Den\s.*\sskrev\s.*:$/i,
  /^W dniu\s.*\snapisał(?:a|\(a\))?\s?:$/i,
  /^\d{4}年.*<[^<>\s]+@[^<>\s]+>\s?:$/,
];

/** The first word of an attribution, to try joining a line Gmail wrapped onto the next one or two. */
export const ATTRIBUTION_START = /^(?:On|Am|Le|El|Il|Op|Em|Den|W dniu)\s|^\d{4}年/i;

/** Outlook's and Thunderbird's separator before a quoted message, in a few languages. */
export const ORIGINAL_MESSAGE =
  /^-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Originalnachricht|Message d'origine|Mensaje original|Messaggio originale|Oorspronkelijk bericht|Originalmeddelande|Mensagem original)\s*-{2,}$/i;

/** The underscore rule Outlook draws above its header block (and Mailman above its footer). */
export const OUTLOOK_RULE = /^_{20,}$/;

/** The first line of the footer Mailman appends under such a rule. */
export const LIST_FOOTER = /^\S+ mailing list$/i;

/**
 * The header lines of Outlook's quoted block: "From:", then "Sent:" (or "Date:") and "Subject:" close below it, in
 * a few languages, optionally in `*bold*` as Outlook writes them when it turns HTML into text.
 */
export const HEADER_FROM = /^\*?(?:From|Von|De|Van|Da|Från|Fra|Od)\s?:\*?\s*\S/i;
/** See {@link HEADER_FROM}. */
export const HEADER_SENT = /^\*?(?:Sent|Date|Gesendet|Datum|Envoyé|Enviado|Fecha|Inviato|Data|Verzonden|Skickat|Sendt|Wysłano)\s?:/i;
/** See {@link HEADER_FROM}. */
export const HEADER_SUBJECT = /^\*?(?:Subject|Betreff|Objet|Asunto|Oggetto|Onderwerp|Ämne|Emne|Temat|Assunto)\s?:/i;

/**
 * A forward the sender marked as one. What follows is the message they chose to pass on, usually the subject of
 * the task, so its header block is not cut.
 */
export const FORWARD_MARKER = /^(?:-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:|-{2,}\s*Weitergeleitete Nachricht\s*-{2,})$/i;

/** A line quoted with `>`. */
export const QUOTED = /^>/;

/** The standard signature delimiter, "-- " (with its space). */
export const SIGNATURE = /^-- $/;
/** The bare "--" that clients trimming trailing spaces leave of it. */
export const SIGNATURE_TRIMMED = /^--$/;

/** The most lines a bare "--" may stand above and still be taken for a signature. */
export const SHORT_SIGNATURE_LINES = 6;

/** Lines phones and mail apps append by themselves. Only the line is dropped: the sender may have written on. */
export const DEVICE_SIGNATURES: readonly RegExp[] = [
  /^Sent from my (?:iPhone|iPad|iPod|Android|Samsung|Galaxy|BlackBerry|mobile)\b.{0,40}$/i,
  /^Sent from (?:Mail|Outlook) for (?:Windows(?: \d+)?|Mac|iOS|Android)$/i,
  /^Get Outlook for (?:iOS|Android)(?:\s*<[^<>\s]*>)?$/i,
  /^Von meinem (?:iPhone|iPad) gesendet$/i,
  /^Envoyé de mon (?:iPhone|iPad)$/i,
];
