// Owns the opening-hours message as the app speaks it (the schedule read aloud) and how long the emulator plays it.
import { resolvePrompt } from '../../src/domain/prompts';
import { defaultFlow } from '../../src/flow/validate-flow';

/** The bench's emulators play each word this long (emulated ms, timeScale 1); the bench passes it, not the default. */
export const PROMPT_MS_PER_WORD = 60;

const spoken = resolvePrompt(defaultFlow(), 'hours', { language: 'en-US', collected: {} });

/** Rendered once from the flow, so that the floor plays what the app plays and the loop's length follows the flow. */
export const HOURS_TEXT = spoken.kind === 'text' ? spoken.text : '';

/** Words as the emulator counts them (runs of non-space), each PROMPT_MS_PER_WORD long. */
export const HOURS_MESSAGE_MS = HOURS_TEXT.split(/\s+/).filter(Boolean).length * PROMPT_MS_PER_WORD;
