import { LLPlayer, type LLPlayerProps, type Player, type PlayerSnapshot } from '@llstream/react';
import { useEffect, useRef, useState, type CSSProperties } from 'react';
import { mountLiveChart } from '../shared/live-chart.ts';
import { applyPick, selectedValue, storyPickers, type PickerKind } from '../shared/pickers.ts';

const column: CSSProperties = { display: 'grid', gap: 12, maxWidth: 720 };

/** The rendition / audio / subtitle pickers for `state`, as `<select>`s that call the player. */
export function StoryPickers({ state, player, kinds }: { state: PlayerSnapshot; player: Player<unknown>; kinds: readonly PickerKind[] }) {
  const pickers = storyPickers(state, kinds);
  return (
    <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap' }}>
      {pickers.map((choice) => (
        <label key={choice.kind}>
          {choice.label}{' '}
          <select value={selectedValue(choice.picker)} onChange={(event) => applyPick(player, choice, event.target.value)}>
            {choice.picker.options.map((option, index) => (
              <option key={String(option.id)} value={index}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
      ))}
      {pickers.length < kinds.length && <span>(the stream offers no choice for the others)</span>}
    </div>
  );
}

/** The uPlot live panel (latency, target, buffer ahead, playback rate) of `player`. */
export function LiveChart({ player }: { player: Player<unknown> }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => (container.current ? mountLiveChart(container.current, player) : undefined), [player]);
  return <div ref={container} data-testid="live-chart" />;
}

/** Props of {@link PlayerWithPanel}: `<LLPlayer>`'s, plus what to show under it. */
export interface PlayerWithPanelProps extends LLPlayerProps {
  /** Pickers to show under the player. */
  pickers?: readonly PickerKind[];
  /** Show the live chart. */
  chart?: boolean;
}

/** `<LLPlayer>` (default overlay) with pickers and/or the live chart under it. */
export function PlayerWithPanel({ pickers = [], chart = false, ...props }: PlayerWithPanelProps) {
  const [player, setPlayer] = useState<Player<unknown> | null>(null);
  const [state, setState] = useState<PlayerSnapshot | null>(null);
  return (
    <div style={column}>
      <LLPlayer ref={setPlayer} onStateChange={setState} {...props} />
      {player && state && pickers.length > 0 && <StoryPickers state={state} player={player} kinds={pickers} />}
      {player && state && (
        <small>
          status {state.status} · rendition {state.rendition ?? '–'} · quality {state.quality}
        </small>
      )}
      {player && chart && <LiveChart player={player} />}
    </div>
  );
}
