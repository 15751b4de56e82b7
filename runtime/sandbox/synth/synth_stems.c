/*
** synth_stems.c -- the stem sets the service lists, as unions of buses.
**
** The 24-stem set is one bus each; the 12-stem set groups them by layer;
** the 2-stem set is the voices against everything else. Each set's masks
** are disjoint and together make SF_ALL_BUSES.
*/
#include <string.h>

#include "synth_internal.h"

#define B(x) SF_BUS(SF_BUS_##x)

static const SfStemDef BASIC[2] = {
  {"Vocals", B(VOX) | B(VOX_VERB) | B(BACKING)},
  {"Instrumental", SF_ALL_BUSES & ~(B(VOX) | B(VOX_VERB) | B(BACKING))},
};

static const SfStemDef FULL[12] = {
  {"Kick", B(KICK)},
  {"Snare", B(SNARE) | B(CLAP)},
  {"Hi-Hats", B(HAT) | B(OPENHAT) | B(CYMBAL)},
  {"Bass", B(SUB) | B(BASS)},
  {"Chords", B(CHORD_LH) | B(CHORD_RH)},
  {"Pad", B(PAD)},
  {"Lead Vocal", B(VOX) | B(VOX_VERB)},
  {"Backing Vocals", B(BACKING)},
  {"Arpeggio", B(ARP) | B(LEAD_INST)},
  {"Texture", B(VINYL) | B(HISS)},
  {"FX", B(RISER) | B(IMPACT) | B(REVERB) | B(DELAY)},
  {"Percussion", B(TOMS) | B(SHAKER)},
};

static const SfStemDef FINE[24] = {
  {"Kick", B(KICK)},
  {"Snare", B(SNARE)},
  {"Clap", B(CLAP)},
  {"Closed Hi-Hat", B(HAT)},
  {"Open Hi-Hat", B(OPENHAT)},
  {"Cymbals", B(CYMBAL)},
  {"Toms", B(TOMS)},
  {"Shaker", B(SHAKER)},
  {"Sub Bass", B(SUB)},
  {"Bass", B(BASS)},
  {"Chords Left Hand", B(CHORD_LH)},
  {"Chords Right Hand", B(CHORD_RH)},
  {"Pad", B(PAD)},
  {"Lead Vocal", B(VOX)},
  {"Vocal Reverb", B(VOX_VERB)},
  {"Backing Vocals", B(BACKING)},
  {"Arpeggio", B(ARP)},
  {"Lead Instrument", B(LEAD_INST)},
  {"Vinyl", B(VINYL)},
  {"Tape Hiss", B(HISS)},
  {"Risers", B(RISER)},
  {"Impacts", B(IMPACT)},
  {"Reverb", B(REVERB)},
  {"Delay", B(DELAY)},
};

int sf_synth_stem_set (int count, SfStemDef *out) {
  const SfStemDef *set;
  switch (count) {
  case 2: set = BASIC; break;
  case 12: set = FULL; break;
  case 24: set = FINE; break;
  default: return 0;
  }
  memcpy(out, set, (size_t)count * sizeof *set);
  return count;
}
