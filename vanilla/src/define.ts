/**
 * Registers `<ll-player>` (side effect). Safe to load twice, e.g. from a
 * bundle and from the script-tag build: the first definition wins.
 *
 * @packageDocumentation
 */
import { LLPlayerElement } from './ll-player-element.js';

if (!customElements.get(LLPlayerElement.tagName)) {
  customElements.define(LLPlayerElement.tagName, LLPlayerElement);
}

export { LLPlayerElement };
