import type { PlayerSnapshot } from '@llstream/core';
import type { LLPlayerElement } from '@llstream/vanilla';
import { html, render } from 'lit';
import { mountLiveChart } from '../shared/live-chart.ts';
import { applyPick, selectedValue, storyPickers, type PickerKind } from '../shared/pickers.ts';

/**
 * `<ll-story-panel>`: what the stories show under an `<ll-player>` (its
 * previous sibling): the pickers named in `pickers` (space-separated
 * `quality audio text`), a status line, and with `chart` the live chart.
 * Story scaffolding, not part of `@llstream/vanilla`.
 */
class StoryPanel extends HTMLElement {
  #abort: AbortController | null = null;
  #unmountChart: (() => void) | null = null;

  get #player(): LLPlayerElement | null {
    const element = this.previousElementSibling;
    return element?.localName === 'll-player' ? (element as LLPlayerElement) : null;
  }

  connectedCallback(): void {
    const element = this.#player;
    if (!element) throw new Error('<ll-story-panel> must follow an <ll-player>.');
    this.#abort = new AbortController();
    element.addEventListener('statechange', (event) => this.#update((event as CustomEvent<PlayerSnapshot>).detail), {
      signal: this.#abort.signal,
    });
    // The element's player comes in the microtask after it is connected, with a first statechange.
    if (element.player) this.#update(element.player.getSnapshot());
  }

  /** Renders `snapshot`; the first time, then mounts the chart into the markup. */
  #update(snapshot: PlayerSnapshot): void {
    this.#render(snapshot);
    const player = this.#player?.player;
    const chart = this.querySelector<HTMLElement>('[data-testid="live-chart"]');
    if (!this.#unmountChart && chart && player) this.#unmountChart = mountLiveChart(chart, player);
  }

  disconnectedCallback(): void {
    this.#abort?.abort();
    this.#unmountChart?.();
    this.#unmountChart = null;
  }

  #render(snapshot: PlayerSnapshot): void {
    const player = this.#player?.player;
    if (!player) return;
    const kinds = (this.getAttribute('pickers') ?? '').split(/\s+/).filter(Boolean) as PickerKind[];
    const pickers = storyPickers(snapshot, kinds);
    render(
      html`<div style="display: grid; gap: 12px; margin-top: 12px">
        ${kinds.length === 0
          ? null
          : html`<div style="display: flex; gap: 12px; flex-wrap: wrap">
              ${pickers.map(
                (choice) =>
                  html`<label
                    >${choice.label}
                    <select .value=${selectedValue(choice.picker)} @change=${(e: Event) => applyPick(player, choice, (e.target as HTMLSelectElement).value)}>
                      ${choice.picker.options.map(
                        (option, index) =>
                          html`<option value=${index} ?selected=${option.id === choice.picker.selected}>${option.label}</option>`,
                      )}
                    </select></label
                  >`,
              )}
              ${pickers.length < kinds.length ? html`<span>(the stream offers no choice for the others)</span>` : null}
            </div>`}
        <small>status ${snapshot.status} · rendition ${snapshot.rendition ?? '–'} · quality ${snapshot.quality}</small>
        ${this.hasAttribute('chart') ? html`<div data-testid="live-chart"></div>` : null}
      </div>`,
      this,
    );
  }
}

if (!customElements.get('ll-story-panel')) customElements.define('ll-story-panel', StoryPanel);
