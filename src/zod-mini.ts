// Owns the app's one way into zod: the mini API (a third of the classic API's load time), with English messages.
import { en } from 'zod/locales';
import { config } from 'zod/mini';

// The classic API sets English on first use; mini leaves every message at "Invalid input" unless told.
config(en());

export * from 'zod/mini';
