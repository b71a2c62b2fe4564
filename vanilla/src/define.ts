/**
 * Registers `<ll-player>` (side effect). Safe to load twice, e.g. from a
 * bundle and from the script-tag build: the first definition wins. Where
 * there is no DOM (server rendering), it registers nothing.
 *
 * @packageDocumentation
 */
import { LLPlayerElement } from './ll-player-element.js';

if (typeof customElements !== 'undefined' && !customElements.get(LLPlayerElement.tagName)) {
  customElements.define(LLPlayerElement.tagName, LLPlayerElement);
}

export { LLPlayerElement };
