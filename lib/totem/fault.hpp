#pragma once
// RC_FAULT(name): test-only fault switches (FoundationDB's BUGGIFY idea) for the checker's
// self-tests. Compiled in only with -Dsim_faults=true; otherwise every switch is constant false.

#ifdef RINGCAST_SIM_FAULTS
#define RC_FAULT(f) ((faults_ & static_cast<std::uint32_t>(::ringcast::totem::fault::f)) != 0)
#else
#define RC_FAULT(f) false
#endif
