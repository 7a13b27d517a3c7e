//! Two regions in simulation (docs/scale.md): what our once-only steps keep
//! when attempts live on a DynamoDB global table with multi-region eventual
//! consistency, and what pinning each attempt to its home region keeps.
//!
//! Each region is an in-memory store running the real domain code and the
//! store's own conditional transitions, which a region checks against its
//! own replica only. A replicator copies every changed attempt to the other
//! region after a random delay, and the newer write wins there (a global
//! table's last-writer-wins, per item). Users and sessions are on a global
//! table too and already in both regions before a schedule starts.
//!
//! A schedule is one login on a discrete, simulated clock:
//!
//! - *approval*: the CLI initiates, the person approves about a second
//!   later, and the CLI polls every 500 ms until an answer with the token
//!   reaches it; each poll takes a random network time each way, so a
//!   poll sent before the first token arrived may still run;
//! - *race*: the person's approve and a deny (another tab, the person's
//!   second thought) land within a second of each other.
//!
//! Unpinned, every request runs in whichever region it reaches (latency
//! routing: either). Pinned, it runs in the attempt's home region (which
//! its codes would name), and attempts are not replicated at all. The
//! figures print; the test asserts that the unpinned model does show the
//! hazards (else it proves nothing) and that pinning shows none: exactly
//! one token per approved login, exactly one winner per race.
//!
//! `CLI_AUTH_REGIONS_SCHEDULES` sets how many schedules each case runs
//! (default 250; `scripts/regions.sh` runs 2,000),
//! `CLI_AUTH_REGIONS_SEED` the first seed.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cli_auth_core::clock::Millis;
use cli_auth_core::domain::login_attempt::{
    self, AttemptError, CliAttempt, CompleteMode, Completed, InitiateRequest, PollAnswer,
};
use cli_auth_core::domain::store::{Lookup, Store};
use cli_auth_core::domain::tokens::{Minter, TokenIssuer};
use cli_auth_core::secret::LocatedSecret;
use cli_auth_core::store::memory::MemoryStore;
use cli_auth_tests::test_app::token_issuer;
use cli_auth_tests::{BASE_URL, seed_user};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const PROJECT: &str = "p-regions";
const REGIONS: usize = 2;
/// The attempts' home region (pinned) and where initiate runs.
const HOME: usize = 0;
const POLL_EVERY: Millis = 500;
const POLLS: u64 = 20;
/// A poll's network time each way, from the CLI to a region.
const ONE_WAY: (Millis, Millis) = (20, 400);
/// When the person's approve (and, in a race, the deny) lands.
const DECIDES: (Millis, Millis) = (300, 1_500);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Routing {
    /// Each request runs in the region it reaches; attempts replicate.
    Unpinned,
    /// Each request runs in its attempt's home region; attempts stay there.
    Pinned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Approval,
    Race,
}

/// What one schedule ended with.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Ending {
    /// Polls that were handed the refresh token.
    tokens: u32,
    /// Approve and deny calls that answered success.
    approved: u32,
    denied: u32,
    /// Polls that reached a region the attempt had not reached yet, and
    /// heard that the code is invalid (Stack's SDK gives up on that).
    invalid: u32,
}

/// Something that happens at a time of the simulated clock.
#[derive(Debug)]
enum Event {
    /// The CLI sends poll `n`, unless a token has reached it.
    SendPoll {
        n: u64,
    },
    /// Poll `n` runs in `region`; its answer reaches the CLI at `back`.
    RunPoll {
        region: usize,
        back: Millis,
    },
    /// The answer of a poll that was handed the token reaches the CLI.
    TokenArrives,
    Approve {
        region: usize,
    },
    Deny {
        region: usize,
    },
    /// A region's write of the attempt reaches the other region.
    Replicate {
        to: usize,
        written: (Millis, usize),
        attempt: Box<CliAttempt>,
    },
}

struct Region {
    store: Arc<MemoryStore>,
    /// When each attempt's copy here was written, and by which region:
    /// what last-writer-wins compares.
    written: HashMap<String, (Millis, usize)>,
}

struct Simulation {
    regions: Vec<Region>,
    tokens: Arc<TokenIssuer>,
    routing: Routing,
    /// The replication delay's bound.
    max_delay: Millis,
    rng: StdRng,
    /// What happens next, by time, then in the order it was planned.
    queue: BTreeMap<(Millis, u64), Event>,
    order: u64,
}

impl Simulation {
    fn at(&mut self, time: Millis, event: Event) {
        self.order += 1;
        self.queue.insert((time, self.order), event);
    }

    /// Where a request that reached `region` runs.
    fn runs_in(&self, region: usize) -> usize {
        match self.routing {
            Routing::Unpinned => region,
            Routing::Pinned => HOME,
        }
    }

    fn store(&self, region: usize) -> &dyn Store {
        self.regions[region].store.as_ref()
    }

    /// After a request ran in `region` at `now`: when it changed the
    /// attempt, the change is this region's newest write, and (unpinned)
    /// it travels to the other region.
    async fn written(
        &mut self,
        region: usize,
        attempt_id: &str,
        before: Option<CliAttempt>,
        now: Millis,
    ) {
        let after = attempt(self.store(region), attempt_id).await;
        let Some(after) = after.filter(|a| Some(a) != before.as_ref()) else {
            return;
        };
        self.regions[region]
            .written
            .insert(attempt_id.to_owned(), (now, region));
        if self.routing == Routing::Unpinned {
            let to = (region + 1) % REGIONS;
            let delay = self.rng.random_range(0..=self.max_delay);
            self.at(
                now + delay,
                Event::Replicate {
                    to,
                    written: (now, region),
                    attempt: Box::new(after),
                },
            );
        }
    }

    /// Runs one schedule to its end.
    async fn run(&mut self, scenario: Scenario) -> Ending {
        let browser = seed_user(self.store(HOME), PROJECT, false, 0, 86_400_000).await;
        for region in &self.regions[1..] {
            let store: &dyn Store = region.store.as_ref();
            store.put_user(&browser.user).await.expect("user");
            store.put_session(&browser.session).await.expect("session");
        }
        let request = InitiateRequest {
            expires_in_millis: Some(600_000),
            ..InitiateRequest::default()
        };
        let initiated = login_attempt::initiate(
            self.store(HOME),
            self.tokens.login_code_sealing_key(),
            PROJECT,
            request,
            0,
        )
        .await
        .expect("initiate");
        let id = LocatedSecret::parse(&initiated.polling_code)
            .expect("polling code")
            .id;
        self.written(HOME, &id, None, 0).await;

        let decides = |rng: &mut StdRng| rng.random_range(DECIDES.0..DECIDES.1);
        let region = |rng: &mut StdRng| rng.random_range(0..REGIONS);
        let approve_at = decides(&mut self.rng);
        let approve_in = region(&mut self.rng);
        self.at(approve_at, Event::Approve { region: approve_in });
        match scenario {
            Scenario::Approval => self.at(POLL_EVERY, Event::SendPoll { n: 1 }),
            Scenario::Race => {
                let deny_at = decides(&mut self.rng);
                let deny_in = region(&mut self.rng);
                self.at(deny_at, Event::Deny { region: deny_in });
            }
        }

        let mut ending = Ending::default();
        let mut token_arrived = false;
        let mut gave_up = false;
        while let Some(((now, _), event)) = self.queue.pop_first() {
            match event {
                Event::SendPoll { n } => {
                    if token_arrived || gave_up || n > POLLS {
                        continue;
                    }
                    let there = self.rng.random_range(ONE_WAY.0..ONE_WAY.1);
                    let back = self.rng.random_range(ONE_WAY.0..ONE_WAY.1);
                    let reached = region(&mut self.rng);
                    let region = self.runs_in(reached);
                    self.at(
                        now + there,
                        Event::RunPoll {
                            region,
                            back: now + there + back,
                        },
                    );
                    self.at(now + POLL_EVERY, Event::SendPoll { n: n + 1 });
                }
                Event::RunPoll { region, back } => {
                    let before = attempt(self.store(region), &id).await;
                    let answer = login_attempt::poll(
                        self.store(region),
                        PROJECT,
                        &initiated.polling_code,
                        None,
                        now,
                    )
                    .await;
                    self.written(region, &id, before, now).await;
                    match answer {
                        Ok(PollAnswer::Success { .. }) => {
                            ending.tokens += 1;
                            self.at(back, Event::TokenArrives);
                        }
                        // The CLI gives up, as Stack's SDK does.
                        Err(AttemptError::InvalidPollingCode) => {
                            ending.invalid += 1;
                            gave_up = true;
                        }
                        Ok(_) => {}
                        Err(e) => panic!("poll: {e:?}"),
                    }
                }
                Event::TokenArrives => token_arrived = true,
                Event::Approve { region } | Event::Deny { region } => {
                    let region = self.runs_in(region);
                    let deny = matches!(event, Event::Deny { .. });
                    let mode = if deny {
                        CompleteMode::Deny
                    } else {
                        CompleteMode::Complete {
                            refresh_token: Some(browser.refresh_token.clone()),
                        }
                    };
                    let before = attempt(self.store(region), &id).await;
                    let minter = Minter {
                        tokens: &self.tokens,
                        base_url: BASE_URL,
                    };
                    let done = login_attempt::complete(
                        self.store(region),
                        minter,
                        PROJECT,
                        &initiated.login_code,
                        mode,
                        now,
                    )
                    .await;
                    self.written(region, &id, before, now).await;
                    match (done, deny) {
                        (Ok(Completed::Success), false) => ending.approved += 1,
                        (Ok(Completed::Success), true) => ending.denied += 1,
                        _ => {}
                    }
                }
                Event::Replicate {
                    to,
                    written,
                    attempt,
                } => {
                    let region = &mut self.regions[to];
                    let newer = region
                        .written
                        .get(&attempt.id)
                        .is_none_or(|&there| written > there);
                    if newer {
                        region.store.apply_replicated_attempt(&attempt);
                        region.written.insert(attempt.id.clone(), written);
                    }
                }
            }
        }
        ending
    }
}

/// The attempt `id` as `store` holds it (a replica may not have it yet).
async fn attempt(store: &dyn Store, id: &str) -> Option<CliAttempt> {
    store
        .lookup(Lookup {
            attempt_id: Some(id),
            ..Lookup::default()
        })
        .await
        .expect("lookup")
        .attempt
}

/// How often each hazard showed in `schedules` runs of one case.
#[derive(Debug, Default)]
struct Figures {
    schedules: u32,
    /// Approval: the token handed out more than once; never handed out.
    twice: u32,
    never: u32,
    /// Approval: schedules in which some poll heard "invalid".
    invalid: u32,
    /// Race: approve and deny both answered success; neither did.
    both_won: u32,
    none_won: u32,
}

fn simulate(
    routing: Routing,
    scenario: Scenario,
    max_delay: Millis,
    seed: u64,
    schedules: u32,
) -> Figures {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let tokens = Arc::new(token_issuer());
    let mut figures = Figures {
        schedules,
        ..Figures::default()
    };
    for s in 0..u64::from(schedules) {
        let mut sim = Simulation {
            regions: (0..REGIONS)
                .map(|_| Region {
                    store: Arc::new(MemoryStore::new()),
                    written: HashMap::new(),
                })
                .collect(),
            tokens: Arc::clone(&tokens),
            routing,
            max_delay,
            rng: StdRng::seed_from_u64(seed.wrapping_add(s)),
            queue: BTreeMap::new(),
            order: 0,
        };
        let ending = rt.block_on(sim.run(scenario));
        match scenario {
            Scenario::Approval => {
                figures.twice += u32::from(ending.tokens > 1);
                figures.never += u32::from(ending.tokens == 0);
                figures.invalid += u32::from(ending.invalid > 0);
            }
            Scenario::Race => {
                let winners = ending.approved + ending.denied;
                figures.both_won += u32::from(winners > 1);
                figures.none_won += u32::from(winners == 0);
            }
        }
    }
    figures
}

fn percent(n: u32, of: u32) -> f64 {
    f64::from(n) * 100.0 / f64::from(of.max(1))
}

#[test]
fn pinning_keeps_exactly_once_where_last_writer_wins_does_not() {
    let schedules = std::env::var("CLI_AUTH_REGIONS_SCHEDULES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(250);
    let seed = std::env::var("CLI_AUTH_REGIONS_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    for max_delay in [250, 1_000] {
        for routing in [Routing::Unpinned, Routing::Pinned] {
            let approval = simulate(routing, Scenario::Approval, max_delay, seed, schedules);
            let race = simulate(routing, Scenario::Race, max_delay, seed, schedules);
            println!(
                "regions: {routing:?}, replication ≤ {max_delay} ms, {schedules} schedules each: \
                 token handed out twice {} ({:.1}%), never {}, a poll told \"invalid\" {} ({:.1}%); \
                 approve and deny both won {} ({:.1}%), neither {}",
                approval.twice,
                percent(approval.twice, approval.schedules),
                approval.never,
                approval.invalid,
                percent(approval.invalid, approval.schedules),
                race.both_won,
                percent(race.both_won, race.schedules),
                race.none_won,
            );
            match routing {
                // A second of lag is what DynamoDB says replication
                // typically stays within.
                Routing::Unpinned if max_delay >= 1_000 => {
                    assert!(
                        approval.twice > 0 && race.both_won > 0,
                        "the unpinned model shows no hazard: it proves nothing ({approval:?}, {race:?})"
                    );
                }
                Routing::Unpinned => {}
                Routing::Pinned => {
                    assert_eq!(
                        (approval.twice, approval.never, approval.invalid),
                        (0, 0, 0),
                        "pinned: every approved login hands out its token exactly once"
                    );
                    assert_eq!(
                        (race.both_won, race.none_won),
                        (0, 0),
                        "pinned: exactly one of approve and deny wins"
                    );
                }
            }
        }
    }
}
