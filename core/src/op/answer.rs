//! An answer as an operation sees it: a success with its body (which the operation parses once,
//! into its own type), or Graph's error, parsed and classified once by the engine.

use super::{Next, OpError};
use crate::graph::failure::{self, Failure};
use crate::graph::{self, GraphError};
use crate::json_object::FromJson;

#[derive(Debug)]
pub enum Answer<'a> {
    /// 2xx.
    Ok { status: u16, body: &'a str },
    /// Anything else: Graph's error and what it means.
    Failed {
        failure: Failure,
        error: &'a GraphError,
    },
}

impl<'a> Answer<'a> {
    /// Classifies an answer; `error` is the parsed error body of a non-2xx answer.
    pub fn new(status: u16, body: &'a str, error: Option<&'a GraphError>) -> Self {
        match error {
            Some(error) if !(200..300).contains(&status) => Answer::Failed {
                failure: failure::classify(error),
                error,
            },
            _ => Answer::Ok { status, body },
        }
    }

    pub fn ok(&self) -> bool {
        matches!(self, Answer::Ok { .. })
    }

    pub fn status(&self) -> u16 {
        match self {
            Answer::Ok { status, .. } => *status,
            Answer::Failed { error, .. } => error.status,
        }
    }

    /// Not found, or not yet replicated (`Request_ResourceNotFound`, `NoBackingApplicationObject`).
    pub fn lag(&self) -> bool {
        matches!(
            self,
            Answer::Failed {
                failure: Failure::NotFoundOrLag,
                ..
            }
        )
    }

    pub fn failure(&self) -> Option<Failure> {
        match self {
            Answer::Ok { .. } => None,
            Answer::Failed { failure, .. } => Some(*failure),
        }
    }

    /// The body as `T`, or why not (Graph's error, or an unreadable success).
    pub fn parse<T: FromJson>(&self) -> Result<T, GraphError> {
        self.body()
            .and_then(|(status, body)| graph::parse(status, body))
    }

    /// The body as `T`, handed to `then`; an answer that is not a readable `T` fails the
    /// operation.
    pub fn read<T: FromJson, S>(&self, then: impl FnOnce(T) -> Next<S>) -> Next<S> {
        match self.parse::<T>() {
            Ok(t) => then(t),
            Err(e) => Next::Fail(OpError::Unexpected(e)),
        }
    }

    /// A collection's `value`.
    pub fn parse_list<T: FromJson>(&self) -> Result<Vec<T>, GraphError> {
        self.body()
            .and_then(|(status, body)| graph::parse_collection(status, body))
    }

    fn body(&self) -> Result<(u16, &'a str), GraphError> {
        match self {
            Answer::Ok { status, body } => Ok((*status, body)),
            Answer::Failed { error, .. } => Err((*error).clone()),
        }
    }

    /// What went wrong, for an answer the operation did not expect.
    pub fn error(&self) -> GraphError {
        match self {
            Answer::Failed { error, .. } => (*error).clone(),
            Answer::Ok { status, .. } => GraphError {
                status: *status,
                code: "UnexpectedStatus".into(),
                message: format!("HTTP {status} was not expected here"),
                request_id: None,
                details: vec![],
            },
        }
    }
}
