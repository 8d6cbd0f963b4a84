/** What one recall channel returns: item ids with the channel's own score, best first. */
export interface ChannelResult {
  channel: string;
  ids: Int32Array;
  scores: Float32Array;
}

export function emptyResult(channel: string): ChannelResult {
  return { channel, ids: new Int32Array(0), scores: new Float32Array(0) };
}
