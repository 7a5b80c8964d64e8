//! Sigmoid with a vectorised exp; its backward reuses the stored output.

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::flex::FlexTensor;
use burn::prelude::*;

use super::super::kernels;
use super::*;

/// `sigmoid(x)` (any rank); under autodiff the backward uses the stored output.
pub fn sigmoid<const D: usize>(x: &Tensor<D>) -> Option<Tensor<D>> {
    fn forward(x: FlexTensor) -> FlexTensor {
        let x = contiguous(x);
        flex(kernels::par_sigmoid(slice(&x)), shape_of(&x))
    }
    #[derive(Debug)]
    struct SigmoidBackward;
    impl Backward<Flex, 1> for SigmoidBackward {
        type State = FlexTensor;
        fn backward(self, ops: Ops<FlexTensor, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
            let s = ops.state;
            unary::<Flex, _>(ops.parents, ops.node, grads, |g| {
                let g = contiguous(g);
                flex(
                    kernels::par_sigmoid_backward(slice(&s), slice(&g)),
                    shape_of(&s),
                )
            });
        }
    }
    Some(match Input::of(x)? {
        Input::Plain(x) => Tensor::from_primitive::<Flex>(forward(x)),
        Input::Tracked(x) => {
            let (x, node) = x.into_parts();
            let out = match SigmoidBackward
                .prepare::<NoCheckpointing>([node])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => {
                    let out = forward(x);
                    prep.finish(out.clone(), out)
                }
                OpsKind::UnTracked(prep) => prep.finish(forward(x)),
            };
            Tensor::from_primitive::<Ad>(out)
        }
    })
}
