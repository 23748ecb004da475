/**
 * Pure text editors: (current text, args) -> { text, changes }.
 * `changes` are human summaries; an empty list means the text is already in state
 * (and then `text` is the input, byte for byte).
 */
export interface EditResult {
  text: string;
  changes: string[];
}
