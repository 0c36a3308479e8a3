/*
 * Running the control partition: its exits are its requests (hypercalls)
 * and its mistakes (IO to ports it does not own, MSRs, faults).
 */
#ifndef REQUEST_CTL_RUN_H
#define REQUEST_CTL_RUN_H

/* Runs the control partition launched by ctl_launch(); returns only if it
 * stops (halt, fault). */
void ctl_run(void);

#endif
