import {useDispatch, useSelector, type TypedUseSelectorHook} from 'react-redux';
import type {Dispatch} from 'redux';

import type {AppAction} from '../reducer';
import type {CixGlobalState} from '../selectors';

export const useAppSelector: TypedUseSelectorHook<CixGlobalState> = useSelector;
export const useAppDispatch: () => Dispatch<AppAction> = useDispatch;
