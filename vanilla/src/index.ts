/**
 * `@llstream/vanilla`: the `<ll-player>` custom element. Importing this module
 * does not register the element; import `@llstream/vanilla/define` (or load
 * the script-tag build `@llstream/vanilla/ll-player.js`) for that, or call
 * `customElements.define(LLPlayerElement.tagName, LLPlayerElement)`.
 *
 * @packageDocumentation
 */
export { LLPlayerElement, MEDIA_EVENTS, USER_INACTIVE_MS, type LLPlayerElementEventMap } from './ll-player-element.js';
